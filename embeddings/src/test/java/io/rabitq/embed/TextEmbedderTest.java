package io.rabitq.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.spark.RabitqIndexer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TextEmbedder} on a real local[2] SparkSession, alone and in a Pipeline with {@link RabitqIndexer}. */
class TextEmbedderTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("TextEmbedderTest").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    /** 240 different sentences (ids 0..239), in four partitions. */
    static Dataset<Row> texts() {
        String[] who = {"The cat", "A quantum computer", "My grandmother", "The Spark driver", "An old lighthouse keeper", "Our team"};
        String[] does = {"quietly watches", "cannot explain", "writes about", "dreams of", "is searching for"};
        String[] what = {"the rain over Lisbon", "vectors in high dimensions", "a café near the station", "why caches fail",
            "the nearest neighbour", "an autumn forest", "the price of coffee", "a broken violin"};
        List<Row> rows = new ArrayList<>();
        for (String a : who) {
            for (String b : does) {
                for (String c : what) {
                    rows.add(RowFactory.create((long) rows.size(), a + " " + b + " " + c + "."));
                }
            }
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
        return spark.createDataFrame(rows, schema).repartition(4);
    }

    @Test
    void aPipelineOfEmbedderAndIndexerFindsEachTextFirstAndSurvivesSaveAndLoad() throws Exception {
        Dataset<Row> texts = texts();
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new TextEmbedder().setInputCol("text").setOutputCol("embedding"),
            new RabitqIndexer().setInputCol("embedding").setMetric("cosine").setNlist(8).setK(3)
                    .setBundlePath(dir.resolve("bundle").toString()).setPartitions(2)});
        PipelineModel fitted = pipeline.fit(texts);
        fitted.write().save(dir.resolve("model").toString());
        PipelineModel loaded = PipelineModel.load(dir.resolve("model").toString());

        Map<Long, List<Long>> before = neighbours(fitted.transform(texts));
        Map<Long, List<Long>> after = neighbours(loaded.transform(texts));
        assertEquals(before, after, "the loaded pipeline answers as the fitted one");
        assertEquals(240, after.size());
        for (Map.Entry<Long, List<Long>> e : after.entrySet()) {
            assertEquals(e.getKey(), e.getValue().get(0), "text " + e.getKey() + " finds itself first");
        }
        TextEmbedder reloaded = (TextEmbedder) loaded.stages()[0];
        assertEquals("embedding", reloaded.getOrDefault(reloaded.outputCol()));
    }

    @Test
    void nullTextsGiveNullVectorsAndEveryVectorIsIndependentOfItsPartition() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(1L, "a red bicycle"), RowFactory.create(2L, null),
                RowFactory.create(3L, "a blue bicycle")), schema);
        List<Row> out = new TextEmbedder().setBatchSize(2).transform(df).orderBy("id").collectAsList();
        assertNull(out.get(1).get(2), "null text -> null vector");
        try (SentenceEncoder alone = SentenceEncoder.miniLm(0, 1)) {
            float[] expected = alone.encode(List.of("a blue bicycle")).vectors()[0];
            List<Float> got = out.get(2).getList(2);
            float[] actual = new float[got.size()];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = got.get(i);
            }
            assertArrayEquals(expected, actual, "the same vector in Spark as in one process");
        }
    }

    @Test
    void cutTextsAreCountedAndBadColumnsSayWhatToFix() {
        TextEmbedder short8 = new TextEmbedder().setMaxTokens(8);
        Dataset<Row> out = short8.transform(texts());
        assertEquals(240, out.count());
        assertEquals(240, short8.truncatedTexts(), "every sentence has more than 8 tokens");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new TextEmbedder().setInputCol("body").transform(texts()));
        assertTrue(missing.getMessage().contains("'body' does not exist"), missing.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> new TextEmbedder().setInputCol("id").transform(texts()));
        assertTrue(type.getMessage().contains("must be a string"), type.getMessage());
        EmbeddingException model = assertThrows(EmbeddingException.class,
                () -> new TextEmbedder().setModel("/nowhere/m.onnx", "/nowhere/tokenizer.json").transform(texts()));
        assertTrue(model.getMessage().contains("/nowhere/m.onnx"), model.getMessage());
    }

    private static Map<Long, List<Long>> neighbours(Dataset<Row> out) {
        Map<Long, List<Long>> byId = new TreeMap<>();
        for (Row r : out.select("id", "neighbors").collectAsList()) {
            List<Long> ids = new ArrayList<>();
            for (Row n : r.<Row>getList(1)) {
                ids.add(n.getLong(0));
            }
            byId.put(r.getLong(0), ids);
        }
        return byId;
    }
}
