package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundles;
import io.rabitq.core.IndexSnapshot;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.lake.IndexBundles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** reindex on a small Delta table: idempotence, concurrent runs, drift, a missing change feed, a bundle of another table. */
class ReindexTest {
    static final int N = 20_000;
    static final int DIM = 32;

    @TempDir
    Path dir;
    private SparkSession spark;
    private String table;
    private String bundle;

    @BeforeEach
    void indexedTable() {
        spark = TestSpark.session();
        table = dir.resolve("vectors").toString();
        bundle = dir.resolve("bundle").toString();
        indexedTable(spark, table, bundle);
    }

    /** A Delta table of N x DIM with its change feed on (version 1), indexed into {@code bundle} in two partitions. */
    static void indexedTable(SparkSession spark, String table, String bundle) {
        SyntheticVectors.generate(spark, 0, N, DIM, 3, 2).write().format("delta").save(table);
        spark.sql("ALTER TABLE delta.`" + table + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)");
        Dataset<Row> v1 = spark.read().format("delta").load(table);
        new RabitqIndexer().setSampleSize(10_000).fit(v1)
                .index(v1, bundle, 2, new IndexBundles.Source(RabitqReindex.sourceRef(table), "1", Map.of()));
    }

    private void append(long from, long to, long seed) {
        SyntheticVectors.generate(spark, from, to, DIM, seed, 1).write().format("delta").mode("append").save(table);
    }

    private Set<Long> tableIds() {
        Set<Long> ids = new HashSet<>();
        spark.read().format("delta").load(table).select("id").collectAsList().forEach(r -> ids.add(r.getLong(0)));
        return ids;
    }

    private static Set<Long> bundleIds(QuantizedIndex index) {
        Set<Long> ids = new HashSet<>();
        for (IndexSnapshot.Cluster c : index.snapshot().clusters()) {
            for (long id : c.ids()) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** For each probe row (id, vector): the ids of its 5 nearest neighbours by the row-wise UDF. */
    private Map<Long, List<Long>> udfNeighbours(Dataset<Row> probes) {
        Map<Long, List<Long>> out = new java.util.TreeMap<>();
        for (Row r : probes.withColumn("nn", RabitqFunctions.rabitqSearch(org.apache.spark.sql.functions.col("vector"), bundle, 5))
                .collectAsList()) {
            out.put(r.getLong(0), r.<Row>getList(2).stream().map(n -> n.getLong(0)).toList());
        }
        return out;
    }

    @Test
    void aSecondRunWithoutCommitsPublishesNothingAndSearchBatchServesDeltaFiles() throws InterruptedException {
        Dataset<Row> probes = SyntheticVectors.generate(spark, 0, 100, DIM, 3, 1).union(SyntheticVectors.generate(spark, N, N + 50, DIM, 3, 1));
        assertEquals(0L, udfNeighbours(probes).get(0L).get(0), "the UDF serves the first generation, where row 0 exists");
        append(N, N + 300, 3);
        spark.sql("DELETE FROM delta.`" + table + "` WHERE id < 100");
        RabitqReindex.Result upTo2 = RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options().toVersion(2L));
        assertEquals("2", upTo2.manifest().sourceVersion());
        assertEquals(300, upTo2.inserted(), "version 2 is the append");
        assertEquals(0, upTo2.deleted());
        RabitqReindex.Result r = RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options());
        assertEquals(RabitqReindex.Action.INCREMENTAL, r.action(), r.reason());
        assertEquals("3", r.manifest().sourceVersion());
        assertEquals(0, r.inserted());
        assertEquals(100, r.deleted(), "version 3 is the delete");
        assertEquals(3, r.manifest().formatVersion(), "deletion sets make it a version-3 generation");
        assertTrue(r.manifest().partitions().size() > 2, "inserts went into delta partition files");
        String generation = Bundles.currentGeneration(Path.of(bundle)).orElseThrow();

        RabitqReindex.Result again = RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options());
        assertEquals(RabitqReindex.Action.UP_TO_DATE, again.action());
        assertEquals(generation, Bundles.currentGeneration(Path.of(bundle)).orElseThrow(), "nothing published");

        Thread.sleep(ExecutorIndexCache.RECHECK_MILLIS + 500); // the UDF re-checks the live generation this often
        udfNeighbours(probes).forEach((id, nn) -> {
            assertTrue(nn.stream().noneMatch(n -> n < 100), "the UDF returned a deleted row for probe " + id + ": " + nn);
            assertTrue(id < 100 || nn.get(0).equals(id), "inserted row " + id + " finds itself through the UDF: " + nn);
        });

        QuantizedIndex single = IndexBundles.load(Path.of(bundle));
        assertEquals(tableIds(), bundleIds(single));
        Dataset<Row> queries = SyntheticVectors.generate(spark, 900_000, 900_040, DIM, 3, 1).toDF("qid", "q");
        for (Row row : RabitqSearch.searchBatch(queries, "qid", "q", bundle, 10, 0).collectAsList()) {
            float[] q = ReindexChurnTest.vectors(List.of(queries.filter("qid = " + row.getLong(0)).first())).values().iterator().next();
            List<Neighbor> got = new ArrayList<>();
            for (Row n : row.<Row>getList(1)) {
                got.add(new Neighbor(n.getLong(0), n.getFloat(1)));
            }
            assertEquals(List.of(single.search(q, 10)), got, "searchBatch over delta files equals the single-process answer");
        }
    }

    @Test
    void concurrentRunsLoseNoUpdate() {
        append(N, N + 500, 3);
        CompletableFuture<RabitqReindex.Result> a = CompletableFuture.supplyAsync(
                () -> RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options()));
        CompletableFuture<RabitqReindex.Result> b = CompletableFuture.supplyAsync(
                () -> RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options()));
        Set<RabitqReindex.Action> actions = Set.of(a.join().action(), b.join().action());
        assertEquals(Set.of(RabitqReindex.Action.INCREMENTAL, RabitqReindex.Action.UP_TO_DATE), actions,
                "one run publishes, the other continues from its generation and finds nothing left to do");
        assertEquals(tableIds(), bundleIds(IndexBundles.load(Path.of(bundle))));
    }

    @Test
    void rowsFromAShiftedDistributionTriggerARebuild() {
        append(N, N + 3_000, 99); // other cluster centres: the frozen centroids no longer fit
        RabitqReindex.Result r = RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options().compactAt(10));
        assertEquals(RabitqReindex.Action.REBUILT, r.action(), r.reason());
        assertTrue(r.reason().contains("drift") && r.drift() > 1.5, r.reason());
        QuantizedIndex index = IndexBundles.load(Path.of(bundle));
        Map<Long, float[]> rows = ReindexChurnTest.vectors(spark.read().format("delta").load(table).collectAsList());
        float[][] queries = ReindexChurnTest.vectors(SyntheticVectors.generate(spark, 800_000, 800_050, DIM, 99, 1)
                .collectAsList()).values().toArray(float[][]::new);
        double recall = ReindexChurnTest.recall(index, rows, queries);
        assertTrue(recall >= 0.95, "recall@10 after the rebuild " + recall);

        append(N + 3_000, N + 3_100, 3); // rows like the first ones: measured against the rebuilt centroids, not the old
        RabitqReindex.Result next = RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options());
        assertEquals(RabitqReindex.Action.INCREMENTAL, next.action(), next.reason());
        assertEquals("100", next.manifest().params().get(RabitqReindex.DELTA_ROWS_PARAM), "the rebuild restarted the drift count");
        assertTrue(next.drift() < 1.5, "drift after the rebuild " + next.drift());
    }

    @Test
    void aTableWithoutChangeFeedIsExplainedAndCompactionNeedsNone() {
        spark.sql("ALTER TABLE delta.`" + table + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = false)");
        append(N, N + 10, 3);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options()));
        assertTrue(e.getMessage().contains("delta.enableChangeDataFeed = true") && e.getMessage().contains("--full"), e.getMessage());
        RabitqReindex.Result r = RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options().compact(true));
        assertEquals(RabitqReindex.Action.COMPACTED, r.action());
        assertEquals(N + 10, r.manifest().rows());
        assertEquals(Long.toString(RabitqReindex.latestVersion(spark, table)), r.manifest().sourceVersion());
    }

    @Test
    void aVacuumedChangeFeedIsExplained() {
        spark.sql("DELETE FROM delta.`" + table + "` WHERE id < 500");
        spark.conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "false");
        try {
            spark.sql("VACUUM delta.`" + table + "` RETAIN 0 HOURS");
        } finally {
            spark.conf().unset("spark.databricks.delta.retentionDurationCheck.enabled");
        }
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options()));
        assertTrue(e.getMessage().contains("--full"), e.getMessage());
        assertEquals(N - 500, RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options().compact(true)).manifest().rows());
    }

    @Test
    void aBundleOfAnotherTableIsRefusedUnlessItsSourceIsReplaced() {
        String other = dir.resolve("other").toString();
        SyntheticVectors.generate(spark, 0, 5_000, DIM, 5, 1).write().format("delta").save(other);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> RabitqReindex.run(spark, other, bundle, new RabitqReindex.Options()));
        assertTrue(e.getMessage().contains("belongs to " + RabitqReindex.sourceRef(table)) && e.getMessage().contains("--replace-source"),
                e.getMessage());
        RabitqReindex.Result r = RabitqReindex.run(spark, other, bundle, new RabitqReindex.Options().replaceSource(true));
        assertEquals(RabitqReindex.Action.REBUILT, r.action());
        assertEquals(RabitqReindex.sourceRef(other), r.manifest().sourceRef());
        assertEquals(5_000, r.manifest().rows());
    }
}
