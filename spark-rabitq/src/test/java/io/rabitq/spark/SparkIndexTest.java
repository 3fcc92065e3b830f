package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundles;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.Recall;
import io.rabitq.lake.IndexBundles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Distributed train + index into a bundle, read back single-process (local[2], 20,000 x 64). */
class SparkIndexTest {
    static final int N = 20_000;
    static final int DIM = 64;
    static SparkSession spark;
    static io.rabitq.datasets.Dataset data;
    static Dataset<Row> df;
    static final IndexBundles.Source SOURCE = new IndexBundles.Source("memory://test", "1", Map.of());

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
        data = ClusteredGaussian.generate(N, 1000, DIM, 8);
        df = frame(N, i -> data.baseRow(i));
    }

    static Dataset<Row> frame(int n, java.util.function.IntFunction<float[]> vector) {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("embedding", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] v = vector.apply(i);
            List<Float> list = new ArrayList<>(v.length);
            for (float x : v) {
                list.add(x);
            }
            rows.add(RowFactory.create((long) i * 3, list));
        }
        return spark.createDataFrame(rows, schema);
    }

    static RabitqIndexer indexer() {
        return new RabitqIndexer().setIdCol("id").setInputCol("embedding").setNlist(64).setSampleSize(8000);
    }

    @Test
    void trainsIndexesAndLoadsWithHighRecall() {
        RabitqModel model = indexer().fit(df);
        assertEquals(DIM, model.dim());
        assertEquals(64, model.nlist());
        Manifest m = model.index(df, dir.toString(), 4, SOURCE);
        assertEquals(4, m.partitions().size());
        assertEquals(N, m.rows());
        assertTrue(m.partitions().stream().allMatch(p -> p.rows() > N / 8), "range partitioning balances rows: " + m.partitions());
        QuantizedIndex loaded = IndexBundles.load(dir);
        assertTrue(loaded instanceof IvfRabitqIndex);
        assertEquals(N, loaded.size());
        Neighbor[][] res = ((IvfRabitqIndex) loaded).searchBatch(data.queryRows(), 10, 8);
        int[] truth = GroundTruth.compute(data.base(), data.queries(), DIM, 10, "l2");
        long[] truthIds = new long[truth.length];
        for (int i = 0; i < truth.length; i++) {
            truthIds[i] = truth[i] * 3L; // ids were row * 3
        }
        long[][] found = new long[res.length][];
        for (int i = 0; i < res.length; i++) {
            found[i] = java.util.Arrays.stream(res[i]).mapToLong(Neighbor::id).toArray();
        }
        double recall = Recall.atK(truthIds, 10, found, 10);
        assertTrue(recall >= 0.95, "recall@10 of the Spark-built bundle: " + recall);
    }

    @Test
    void failedFirstAttemptsNeitherLoseNorDuplicateRows() {
        RabitqModel model = indexer().fit(df);
        Manifest clean = model.index(df, dir.resolve("clean").toString(), 3, SOURCE);
        FirstAttemptKiller killer = new FirstAttemptKiller(spark.sparkContext(), JobPhase.PREFIX + RabitqModel.WRITE_PHASE);
        spark.sparkContext().addSparkListener(killer);
        Manifest retried;
        try {
            retried = model.index(df, dir.resolve("retried").toString(), 3, SOURCE);
        } finally {
            spark.sparkContext().removeSparkListener(killer);
        }
        assertTrue(killer.killed.get() > 0, "no write task was killed, so nothing was retried");
        assertEquals(clean.rows(), retried.rows());
        assertEquals(clean.witness(), retried.witness(), "retried tasks wrote byte-identical partitions");
    }

    /**
     * Kills (Spark's kill-and-reschedule) the first attempt of every task of the jobs with a given description, as a
     * lost or preempted executor would: the retried attempts must write what an undisturbed run writes.
     */
    private static final class FirstAttemptKiller extends org.apache.spark.scheduler.SparkListener {
        private final org.apache.spark.SparkContext sc;
        private final String description;
        private final java.util.Set<Integer> stages = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final java.util.concurrent.atomic.AtomicInteger killed = new java.util.concurrent.atomic.AtomicInteger();

        FirstAttemptKiller(org.apache.spark.SparkContext sc, String description) {
            this.sc = sc;
            this.description = description;
        }

        @Override
        public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
            if (description.equals(job.properties().getProperty("spark.job.description"))) {
                stages.addAll(scala.jdk.javaapi.CollectionConverters.asJava(job.stageIds()).stream()
                        .map(i -> (Integer) i).toList());
            }
        }

        @Override
        public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart task) {
            if (stages.contains(task.stageId()) && task.taskInfo().attemptNumber() == 0
                    && sc.killTaskAttempt(task.taskInfo().taskId(), false, "test: first attempt lost")) {
                killed.incrementAndGet();
            }
        }
    }

    @Test
    void badInputIsReportedBeforeOrInsteadOfPublishing() {
        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> new RabitqIndexer().setIdCol("id").setInputCol("vec").fit(df));
        assertTrue(missing.getMessage().contains("'vec' does not exist") && missing.getMessage().contains("embedding"), missing.getMessage());
        InvalidInputException type = assertThrows(InvalidInputException.class,
                () -> new RabitqIndexer().setIdCol("embedding").setInputCol("embedding").fit(df));
        assertTrue(type.getMessage().contains("bigint or int"), type.getMessage());
        RabitqModel model = indexer().fit(df);
        Dataset<Row> withNan = frame(500, i -> {
            float[] v = data.baseRow(i);
            if (i == 77) {
                v[5] = Float.NaN;
            }
            return v;
        });
        InvalidInputException nan = assertThrows(InvalidInputException.class, () -> model.index(withNan, dir.toString(), 2, SOURCE));
        assertTrue(nan.getMessage().contains("id 231") && nan.getMessage().contains("non-finite"), nan.getMessage());
        assertFalse(Bundles.currentGeneration(dir).isPresent(), "a failed job publishes nothing");
        Dataset<Row> shortVectors = frame(50, i -> new float[DIM - 1]);
        InvalidInputException dim = assertThrows(InvalidInputException.class, () -> model.index(shortVectors, dir.toString(), 1, SOURCE));
        assertTrue(dim.getMessage().contains("dimension 63"), dim.getMessage());
    }

    /**
     * #14: a bundle that fits one task is searched whole (the single-process answer); split into shards, each shard runs
     * its own bound gate and sends its k best, so at every rank the distance is no worse than the single-process index's
     * answer. Either way the query rows' other columns come along.
     */
    @Test
    void searchBatchIsNeverWorseThanTheSingleProcessIndexAndKeepsTheQueryColumns() {
        RabitqModel model = indexer().fit(df);
        Manifest m = model.index(df, dir.toString(), 4, SOURCE);
        assertEquals(1, RabitqSearch.shards(m, RabitqSearch.DEFAULT_SHARD_BYTES).size());
        assertEquals(4, RabitqSearch.shards(m, 1).size());
        assertEquals(2, RabitqSearch.shards(m, m.partitions().get(0).bytes() + m.partitions().get(1).bytes()).size());
        StructType schema = new StructType().add("qid", DataTypes.LongType).add("q", DataTypes.createArrayType(DataTypes.FloatType))
                .add("title", DataTypes.StringType);
        List<Row> qrows = new ArrayList<>();
        for (int j = 0; j < data.queryCount(); j++) {
            List<Float> v = new ArrayList<>();
            for (float x : data.queryRow(j)) {
                v.add(x);
            }
            qrows.add(RowFactory.create(1000L + j, v, "title " + j));
        }
        Dataset<Row> queries = spark.createDataFrame(qrows, schema).repartition(3);
        IvfRabitqIndex single = (IvfRabitqIndex) IndexBundles.load(dir);
        Neighbor[][] expected = single.searchBatch(data.queryRows(), 10, 8);
        int[] truth = GroundTruth.compute(data.base(), data.queries(), DIM, 10, "l2");
        Dataset<Row> whole = RabitqSearch.searchBatch(queries, "qid", "q", dir.toString(), 10, 8);
        assertEquals(List.of("query_id", "neighbors", "title"), List.of(whole.columns()));
        checkAgainstSingleProcess(whole.collectAsList(), expected, truth, data.queryCount());
        spark.conf().set(RabitqSearch.SHARD_BYTES_CONF, "1");
        try {
            checkAgainstSingleProcess(RabitqSearch.searchBatch(queries, "qid", "q", dir.toString(), 10, 8).collectAsList(), expected, truth,
                    (int) (0.99 * data.queryCount()));
        } finally {
            spark.conf().unset(RabitqSearch.SHARD_BYTES_CONF);
        }
    }

    /** Never worse than {@code expected} at any rank, at least {@code same} answers equal, recall@10 >= 0.95, titles kept. */
    private static void checkAgainstSingleProcess(List<Row> result, Neighbor[][] expected, int[] truth, int same) {
        assertEquals(1000, data.queryCount());
        assertEquals(data.queryCount(), result.size(), "one row per query");
        long hits = 0;
        int equal = 0;
        for (Row r : result) {
            int j = (int) (r.getLong(0) - 1000);
            assertEquals("title " + j, r.getString(2), "the query's own columns travel with its answer");
            List<Row> neighbors = r.getList(1);
            assertEquals(10, neighbors.size());
            Neighbor[] got = neighbors.stream().map(n -> new Neighbor(n.getLong(0), n.getFloat(1))).toArray(Neighbor[]::new);
            for (int rank = 0; rank < 10; rank++) {
                assertTrue(got[rank].distance() <= expected[j][rank].distance(), "query " + j + " rank " + rank + ": " + got[rank]
                        + " is worse than the single process's " + expected[j][rank]);
            }
            equal += java.util.Arrays.asList(expected[j]).equals(java.util.Arrays.asList(got)) ? 1 : 0;
            java.util.Set<Long> want = new java.util.HashSet<>();
            for (int i = 0; i < 10; i++) {
                want.add(truth[j * 10 + i] * 3L);
            }
            for (Neighbor n : got) {
                hits += want.contains(n.id()) ? 1 : 0;
            }
        }
        assertTrue(equal >= same, equal + " of " + data.queryCount() + " answers equal the single process's");
        double recall = hits / (10.0 * data.queryCount());
        assertTrue(recall >= 0.95, "distributed recall@10 " + recall);
    }

    @Test
    void searchBatchRejectsBadInputUpFront() throws Exception {
        StructType schema = new StructType().add("qid", DataTypes.LongType).add("q", DataTypes.createArrayType(DataTypes.FloatType));
        Dataset<Row> wrongDim = spark.createDataFrame(List.of(RowFactory.create(1L, List.of(1f, 2f))), schema);
        RabitqModel model = indexer().fit(df);
        model.index(df, dir.toString(), 2, SOURCE);
        Dataset<Row> lazy = RabitqSearch.searchBatch(wrongDim, "qid", "q", dir.toString(), 5, 4); // vectors are read as the search runs
        String dim = RabitqModel.unwrap(assertThrows(Exception.class, lazy::collectAsList)).getMessage();
        assertTrue(dim.startsWith("query 1 has dimension 2 but the bundle") && dim.contains("dimension 64"), dim);
        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> RabitqSearch.searchBatch(wrongDim, "qid", "q", dir.resolve("nope").toString(), 5, 4));
        assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
        assertThrows(io.rabitq.core.InvalidParameterException.class, () -> RabitqSearch.searchBatch(wrongDim, "qid", "q", dir.toString(), 0, 4));
        assertThrows(InvalidInputException.class, () -> RabitqSearch.searchBatch(wrongDim, "id", "q", dir.toString(), 5, 4));
    }

    static Map<Long, List<String>> byQuery(List<Row> rows) {
        Map<Long, List<String>> out = new java.util.TreeMap<>();
        for (Row r : rows) {
            List<Row> nn = r.getList(1);
            out.put(r.getLong(0), nn.stream().map(n -> n.getLong(0) + ":" + n.getFloat(1)).toList());
        }
        return out;
    }

    @Test
    void udfSqlFunctionAndSearchBatchAgree() {
        RabitqModel model = indexer().fit(df);
        model.index(df, dir.toString(), 3, SOURCE);
        StructType schema = new StructType().add("qid", DataTypes.LongType).add("q", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> qrows = new ArrayList<>();
        for (int j = 0; j < 30; j++) {
            List<Float> v = new ArrayList<>();
            for (float x : data.queryRow(j)) {
                v.add(x);
            }
            qrows.add(RowFactory.create((long) j, v));
        }
        Dataset<Row> queries = spark.createDataFrame(qrows, schema);
        Map<Long, List<String>> batch = byQuery(RabitqSearch.searchBatch(queries, "qid", "q", dir.toString(), 7, 0).collectAsList());
        Map<Long, List<String>> udf = byQuery(queries.select(org.apache.spark.sql.functions.col("qid"),
                RabitqFunctions.rabitqSearch(org.apache.spark.sql.functions.col("q"), dir.toString(), 7)).collectAsList());
        queries.createOrReplaceTempView("rabitq_queries");
        String path = dir.toString().replace("'", "''");
        Map<Long, List<String>> sql3 = byQuery(spark.sql("SELECT qid, rabitq_search(q, '" + path + "', 7) FROM rabitq_queries").collectAsList());
        Map<Long, List<String>> sql4 = byQuery(spark.sql("SELECT qid, rabitq_search(q, '" + path + "', 7, 0) FROM rabitq_queries").collectAsList());
        assertEquals(30, batch.size());
        assertEquals(7, batch.get(0L).size());
        assertEquals(batch, udf, "UDF vs searchBatch");
        assertEquals(batch, sql3, "SQL (3 arguments) vs searchBatch");
        assertEquals(batch, sql4, "SQL (4 arguments) vs searchBatch");
        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> RabitqFunctions.rabitqSearch(org.apache.spark.sql.functions.col("q"), dir.resolve("none").toString(), 7));
        assertTrue(missing.getMessage().contains("none"), missing.getMessage());

        String described = spark.sql("DESCRIBE FUNCTION EXTENDED rabitq_search").collectAsList().stream().map(r -> r.getString(0))
                .collect(java.util.stream.Collectors.joining("\n"));
        assertTrue(described.contains("Usage: rabitq_search(vector, bundle_path, k [, nprobe | recall]) - The k nearest neighbours")
                && described.contains("nprobe - IVF clusters to probe") && described.contains("recall - instead of nprobe")
                && described.contains("> SELECT id, rabitq_search("), described);

        // ML Vector query columns work in the column function, in SQL and in searchBatch, with the same answers
        Dataset<Row> mlQueries = queries.select(org.apache.spark.sql.functions.col("qid"),
                org.apache.spark.ml.functions.array_to_vector(org.apache.spark.sql.functions.col("q")).as("q"));
        assertEquals(udf, byQuery(mlQueries.select(org.apache.spark.sql.functions.col("qid"),
                RabitqFunctions.rabitqSearch(org.apache.spark.sql.functions.col("q"), dir.toString(), 7)).collectAsList()), "ML Vector UDF");
        mlQueries.createOrReplaceTempView("rabitq_ml_queries");
        assertEquals(batch, byQuery(spark.sql("SELECT qid, rabitq_search(q, '" + path + "', 7) FROM rabitq_ml_queries").collectAsList()),
                "ML Vector SQL");
        assertEquals(batch, byQuery(RabitqSearch.searchBatch(mlQueries, "qid", "q", dir.toString(), 7, 0).collectAsList()),
                "ML Vector searchBatch");
        List<Row> twice = RabitqSearch.searchBatch(queries.union(queries.where("qid = 3")), "qid", "q", dir.toString(), 7, 0)
                .where("query_id = 3").collectAsList();
        assertEquals(2, twice.size(), "a repeated query id is a second query, answered on its own row");
        assertEquals(byQuery(twice.subList(0, 1)).get(3L), batch.get(3L));
        assertEquals(byQuery(twice.subList(1, 2)).get(3L), batch.get(3L));
        Exception shortQuery = assertThrows(Exception.class, () -> spark.sql("SELECT rabitq_search(array(1.0f, 2.0f), '" + path + "', 7)")
                .collectAsList());
        String why = RabitqModel.unwrap(shortQuery).getMessage();
        assertTrue(why.contains("a rabitq_search query against " + dir + " has a vector of dimension 2 but the index has dimension 64"), why);
    }

    @Test
    void modelSavesAndLoadsLikeSparkMlAndMlVectorColumnsIndexLikeArrays() throws Exception {
        RabitqModel model = indexer().fit(df);
        String path = dir.resolve("model").toString();
        model.write().save(path);
        assertThrows(java.io.IOException.class, () -> model.write().save(path), "no silent overwrite");
        model.write().overwrite().save(path);
        RabitqModel loaded = RabitqModel.load(path);
        org.junit.jupiter.api.Assertions.assertArrayEquals(model.centroids(), loaded.centroids());
        assertEquals(model.getIdCol(), loaded.getIdCol());
        assertEquals(model.uid(), loaded.uid());
        assertEquals(model.seed(), loaded.seed());
        Manifest original = model.index(df, dir.resolve("a").toString(), 2, SOURCE);

        // the same rows as ML Vectors (doubles) index to the same bytes
        Dataset<Row> mlVectors = df.select(org.apache.spark.sql.functions.col("id"),
                org.apache.spark.ml.functions.array_to_vector(org.apache.spark.sql.functions.col("embedding")).as("embedding"));
        assertEquals(org.apache.spark.ml.linalg.SQLDataTypes.VectorType(), mlVectors.schema().apply("embedding").dataType());
        assertEquals(original.witness(), loaded.index(mlVectors, dir.resolve("b").toString(), 2, SOURCE).witness());

        InvalidInputException notAModel = assertThrows(InvalidInputException.class, () -> RabitqModel.load(dir.resolve("a").toString()));
        assertTrue(notAModel.getMessage().contains("RabitqModel"), notAModel.getMessage());
    }
}
