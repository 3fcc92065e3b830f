package io.rabitq.spark;

import static org.apache.spark.sql.functions.call_function;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.RecallCurve;
import io.rabitq.lake.IndexBundles;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark 4.2's NEAREST BY join on a real Delta table with a registered bundle: planned as our search (asserted on the
 * physical plan), recall@10 against Spark's own exact rewrite of the same query, the same schema, LEFT OUTER, and the
 * exact plan with a warning naming the versions when the bundle is stale.
 */
class NearestByJoinTest {
    static final int N = 20_000;
    static final int DIM = 32;
    static final int QUERIES = 200;

    @TempDir
    static Path dir;
    private static SparkSession spark;
    private static String table;

    @BeforeAll
    static void indexedTable() {
        spark = TestSpark.session();
        table = dir.resolve("docs").toString();
        String bundle = dir.resolve("docs-bundle").toString();
        indexAndRegister(table, bundle, N, false);
        SyntheticVectors.generate(spark, 1_000_000, 1_000_000 + QUERIES, DIM, 3, 2).toDF("qid", "q")
                .withColumn("label", org.apache.spark.sql.functions.expr("concat('q', qid)"))
                .write().format("delta").save(dir.resolve("queries").toString());
        spark.read().format("delta").load(dir.resolve("queries").toString()).createOrReplaceTempView("queries");
    }

    /**
     * A Delta table of n clustered vectors (version 0; with its change feed on, version 1), indexed and then registered
     * (one more version, properties only).
     */
    static void indexAndRegister(String table, String bundle, int n, boolean changeFeed) {
        SyntheticVectors.generate(spark, 0, n, DIM, 3, 2).write().format("delta").save(table);
        if (changeFeed) {
            spark.sql("ALTER TABLE delta.`" + table + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)");
        }
        Dataset<Row> rows = spark.read().format("delta").load(table);
        new RabitqIndexer().setSampleSize(10_000).fit(rows).index(rows, bundle, 2,
                new IndexBundles.Source(RabitqReindex.sourceRef(table), changeFeed ? "1" : "0", Map.of()));
        IndexedTables.register(spark, table, bundle, "id", "vector");
    }

    private static String join(String mode, String joinType, String table) {
        return "SELECT q.qid, q.label, t.id FROM queries q " + joinType + " JOIN delta.`" + table + "` t " + mode
                + " NEAREST 10 BY DISTANCE vector_l2_distance(q.q, t.vector)";
    }

    private static boolean searchesBundle(Dataset<Row> df) {
        return contains(df.queryExecution().sparkPlan());
    }

    private static boolean contains(SparkPlan plan) {
        return plan instanceof NearestScanExec || Catalyst.list(plan.children()).stream().anyMatch(NearestByJoinTest::contains);
    }

    private static Map<Long, Set<Long>> neighbours(Dataset<Row> rows, String qidCol, String idCol) {
        Map<Long, Set<Long>> out = new HashMap<>();
        for (Row r : rows.select(qidCol, idCol).collectAsList()) {
            Set<Long> ids = out.computeIfAbsent(r.getLong(0), q -> new HashSet<>());
            if (!r.isNullAt(1)) {
                ids.add(r.getLong(1));
            }
        }
        return out;
    }

    private static double recall(Map<Long, Set<Long>> got, Map<Long, Set<Long>> exact) {
        long hit = 0;
        long all = 0;
        for (Map.Entry<Long, Set<Long>> e : exact.entrySet()) {
            all += e.getValue().size();
            hit += e.getValue().stream().filter(got.getOrDefault(e.getKey(), Set.of())::contains).count();
        }
        return (double) hit / all;
    }

    @Test
    void sqlApproxJoinSearchesTheRegisteredBundleWithSparksSchemaAndRecall() {
        Dataset<Row> approx = spark.sql(join("APPROX", "", table));
        Dataset<Row> exact = spark.sql(join("EXACT", "", table));
        assertTrue(searchesBundle(approx), "the approximate join is planned as a bundle search:\n" + approx.queryExecution().sparkPlan());
        assertFalse(searchesBundle(exact), "EXACT is never touched");
        assertEquals(exact.schema(), approx.schema(), "same output schema as Spark's rewrite");
        List<Row> rows = approx.collectAsList();
        assertEquals(QUERIES * 10, rows.size(), "10 rows per query");
        rows.forEach(r -> assertEquals("q" + r.getLong(0), r.getString(1), "query columns travel with their row"));
        double recall = recall(neighbours(approx, "qid", "id"), neighbours(exact, "qid", "id"));
        assertTrue(recall >= 0.95, "recall@10 vs Spark's exact rewrite: " + recall);
    }

    @Test
    void dataFrameApproxJoinAndLeftOuterKeepEveryQuery() {
        Dataset<Row> queries = spark.table("queries");
        Dataset<Row> docs = spark.read().format("delta").load(table);
        Dataset<Row> approx = queries.nearestByJoin(docs, call_function("vector_l2_distance", queries.col("q"), docs.col("vector")),
                10, "approx", "distance", "left_outer");
        Dataset<Row> exact = queries.nearestByJoin(docs, call_function("vector_l2_distance", queries.col("q"), docs.col("vector")),
                10, "exact", "distance", "left_outer");
        assertTrue(searchesBundle(approx), approx.queryExecution().sparkPlan().toString());
        assertEquals(exact.schema(), approx.schema());
        assertEquals(List.of("qid", "q", "label", "id", "vector"), List.of(approx.columns()));
        double recall = recall(neighbours(approx, "qid", "id"), neighbours(exact, "qid", "id"));
        assertTrue(recall >= 0.95, "recall@10 vs Spark's exact rewrite: " + recall);
        Row first = approx.filter("id IS NOT NULL").first();
        assertEquals(DIM, first.getList(first.fieldIndex("vector")).size(), "the neighbours' own rows are returned");
    }

    @Test
    void aRecallTargetChoosesTheNprobeFromTheBundlesRecordedCurve() {
        String bundle = dir.resolve("docs-bundle").toString();
        Manifest m;
        try (Bundle b = RabitqSearch.openVerified(bundle)) {
            m = b.manifest();
        }
        RecallCurve curve = RecallCurve.parse(m.params().get(IvfRabitqIndex.RECALL_CURVE_PARAM));
        int p = RabitqSearch.nprobeForRecall(m, bundle, 0.95);
        assertEquals(curve.nprobeFor(0.95, m.nlist()), p, "the manifest's curve (covered by the witness) decides");
        List<Row> rows = spark.sql("SELECT rabitq_search(q, '" + bundle + "', 10, 0.95), rabitq_search(q, '" + bundle + "', 10, " + p
                + ") FROM queries").collectAsList();
        rows.forEach(r -> assertEquals(r.getList(1), r.getList(0), "a fractional 4th argument is a recall target"));
        Dataset<Row> queries = spark.table("queries");
        assertEquals(RabitqSearch.searchBatch(queries, "qid", "q", bundle, 10, p).collectAsList(),
                RabitqSearch.searchBatch(queries, "qid", "q", bundle, 10, 0.95).collectAsList());
        spark.conf().set(NearestByRewrite.RECALL_CONF, "0.95");
        try {
            String plan = spark.sql(join("APPROX", "", table)).queryExecution().sparkPlan().toString();
            assertTrue(plan.contains("nprobe=" + p + ","), plan);
        } finally {
            spark.conf().unset(NearestByRewrite.RECALL_CONF);
        }
    }

    @Test
    void aStaleBundleRunsTheExactPlanWithAWarningNamingTheVersionsUntilReindexCatchesUp() {
        String small = dir.resolve("stale").toString();
        indexAndRegister(small, dir.resolve("stale-bundle").toString(), 2_000, true);
        assertTrue(searchesBundle(spark.sql(join("APPROX", "", small))), "covered after the properties-only commit");
        SyntheticVectors.generate(spark, 2_000, 2_100, DIM, 3, 1).write().format("delta").mode("append").save(small);

        StringWriter log = new StringWriter();
        Logger logger = (Logger) LogManager.getLogger(NearestByRewrite.class);
        WriterAppender capture = WriterAppender.newBuilder().setName("capture").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %m%n").build()).build();
        capture.start();
        logger.addAppender(capture);
        Dataset<Row> stale;
        try {
            stale = spark.sql(join("APPROX", "", small));
        } finally {
            logger.removeAppender(capture);
        }
        assertFalse(searchesBundle(stale), "a stale bundle is not used");
        assertEquals(QUERIES * 10L, stale.count(), "Spark's exact plan answers");
        assertTrue(log.toString().contains("WARN APPROX NEAREST BY runs Spark's exact plan")
                && log.toString().contains("records table version 1 but version 3 is read and version 3 changed data"), log.toString());

        spark.conf().set(NearestByRewrite.FALLBACK_CONF, "error");
        try {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> spark.sql(join("APPROX", "", small)));
            assertTrue(e.getMessage().contains("version 3 changed data"), e.getMessage());
        } finally {
            spark.conf().unset(NearestByRewrite.FALLBACK_CONF);
        }

        RabitqReindex.Result r = RabitqReindex.run(spark, small, dir.resolve("stale-bundle").toString(), new RabitqReindex.Options());
        assertEquals(100, r.inserted());
        Dataset<Row> caughtUp = spark.sql("SELECT a.id AS query, b.id FROM delta.`" + small + "` a JOIN delta.`" + small
                + "` b APPROX NEAREST 1 BY DISTANCE vector_l2_distance(a.vector, b.vector) WHERE a.id >= 2000");
        assertTrue(searchesBundle(caughtUp), "reindex made the registered bundle cover the table again");
        assertTrue(caughtUp.where("query = id").count() >= 95, "the appended rows are searched: they find themselves");
    }
}
