package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.Recall;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RabitqIndexer} and {@link RabitqModel} as Spark ML stages: a {@link Pipeline} of a {@link VectorAssembler}
 * (numeric columns to an ML Vector) and the indexer fits, indexes, saves, loads and transforms (local[2], 6,000 x 16).
 */
class RabitqPipelineTest {
    static final int N = 6_000;
    static final int DIM = 16;
    static SparkSession spark;
    static io.rabitq.datasets.Dataset data;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
        data = ClusteredGaussian.generate(N, 100, DIM, 21);
    }

    /** Rows {@code (id, c0 .. c15)} of doubles, as a feature table usually arrives. */
    static Dataset<Row> table(int n, java.util.function.IntFunction<float[]> vector) {
        StructType schema = new StructType().add("id", DataTypes.LongType);
        String[] cols = columns();
        for (String c : cols) {
            schema = schema.add(c, DataTypes.DoubleType);
        }
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] v = vector.apply(i);
            Object[] values = new Object[DIM + 1];
            values[0] = (long) i;
            for (int d = 0; d < DIM; d++) {
                values[d + 1] = (double) v[d];
            }
            rows.add(RowFactory.create(values));
        }
        return spark.createDataFrame(rows, schema);
    }

    static String[] columns() {
        String[] cols = new String[DIM];
        for (int d = 0; d < DIM; d++) {
            cols[d] = "c" + d;
        }
        return cols;
    }

    static Pipeline pipeline(String bundle) {
        VectorAssembler assembler = new VectorAssembler().setInputCols(columns()).setOutputCol("features");
        RabitqIndexer indexer = new RabitqIndexer().setInputCol("features").setBundlePath(bundle).setNlist(40).setK(10)
                .setPartitions(2);
        return new Pipeline().setStages(new PipelineStage[] {assembler, indexer});
    }

    @Test
    void aPipelineOfAssemblerAndIndexerFitsSavesLoadsAndTransforms() throws Exception {
        Dataset<Row> base = table(N, i -> data.baseRow(i));
        Dataset<Row> queries = table(data.queryCount(), i -> data.queryRow(i));
        PipelineModel fitted = pipeline(dir.resolve("bundle").toString()).fit(base);
        fitted.write().overwrite().save(dir.resolve("pipeline-model").toString());
        PipelineModel loaded = PipelineModel.load(dir.resolve("pipeline-model").toString());

        RabitqModel model = (RabitqModel) loaded.stages()[1];
        assertEquals(DIM, model.dim());
        assertEquals(40, model.nlist());
        assertEquals(10, model.getK());
        assertEquals(fitted.stages()[1].uid(), model.uid(), "the uid survives save and load");

        Map<Long, List<Long>> before = neighbours(fitted.transform(queries));
        Map<Long, List<Long>> after = neighbours(loaded.transform(queries));
        assertEquals(before, after, "the loaded pipeline answers exactly as the fitted one");
        assertEquals(data.queryCount(), after.size());

        int[] truth = GroundTruth.compute(data.base(), data.queries(), DIM, 10, "l2");
        long[] truthIds = new long[truth.length];
        for (int i = 0; i < truth.length; i++) {
            truthIds[i] = truth[i];
        }
        long[][] found = new long[data.queryCount()][];
        for (int q = 0; q < found.length; q++) {
            found[q] = after.get((long) q).stream().mapToLong(Long::longValue).toArray();
        }
        double recall = Recall.atK(truthIds, 10, found, 10);
        assertTrue(recall >= 0.95, "recall@10 of the pipeline's transform: " + recall);

        Dataset<Row> assembled = ((org.apache.spark.ml.Transformer) loaded.stages()[0]).transform(queries);
        assertEquals(after, neighbours(model.searchBatch(assembled).withColumnRenamed("query_id", "id")), "the model's searchBatch answers as its transform does");
    }

    @Test
    void theUnfittedPipelineSavesAndLoadsWithItsParams() throws Exception {
        Pipeline p = pipeline(dir.resolve("b").toString());
        String path = dir.resolve("pipeline").toString();
        p.write().overwrite().save(path);
        RabitqIndexer loaded = (RabitqIndexer) Pipeline.load(path).getStages()[1];
        assertEquals("features", loaded.getInputCol());
        assertEquals(40, loaded.getNlist());
        assertEquals(2, loaded.getPartitions());
        assertEquals(dir.resolve("b").toString(), loaded.getBundlePath());
        assertEquals(42L, loaded.getSeed(), "defaults are kept");
        assertTrue(loaded.explainParams().contains("nprobe: IVF clusters probed per query"), loaded.explainParams());
    }

    @Test
    void paramsAreValidatedAndTransformSaysWhatIsMissing() {
        assertThrows(IllegalArgumentException.class, () -> new RabitqIndexer().setK(0));
        assertThrows(IllegalArgumentException.class, () -> new RabitqIndexer().setRotation("sideways"));
        assertThrows(io.rabitq.core.InvalidParameterException.class, () -> new RabitqIndexer().setMetric("manhattan"));
        Dataset<Row> base = new VectorAssembler().setInputCols(columns()).setOutputCol("features")
                .transform(table(2_000, i -> data.baseRow(i)));
        RabitqModel model = new RabitqIndexer().setInputCol("features").setNlist(8).fit(base);
        InvalidInputException noBundle = assertThrows(InvalidInputException.class, () -> model.transform(base));
        assertTrue(noBundle.getMessage().contains("setBundlePath"), noBundle.getMessage());
        InvalidInputException wrongColumn = assertThrows(InvalidInputException.class,
                () -> model.copy(new org.apache.spark.ml.param.ParamMap()).setBundlePath("/nowhere").setInputCol("c0")
                        .transformSchema(base.schema()));
        assertTrue(wrongColumn.getMessage().contains("must be array<float>, array<double> or an ML Vector"), wrongColumn.getMessage());
    }

    private static Map<Long, List<Long>> neighbours(Dataset<Row> out) {
        Map<Long, List<Long>> byQuery = new TreeMap<>();
        for (Row r : out.select("id", "neighbors").collectAsList()) {
            List<Long> ids = new ArrayList<>();
            for (Row n : r.<Row>getList(1)) {
                ids.add(n.getLong(0));
            }
            byQuery.put(r.getLong(0), ids);
        }
        return byQuery;
    }
}
