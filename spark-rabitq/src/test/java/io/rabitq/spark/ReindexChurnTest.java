package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.delta.tables.DeltaTable;
import io.rabitq.core.IndexSnapshot;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.lake.IndexBundles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The churn bar: a Delta table of 200,000 x 128 with its change feed on, indexed once, then 20 rounds of one MERGE each
 * with random inserts (1%), updates (0.5%) and deletes (0.5%), and a reindex after each. After every round the bundle
 * holds exactly the table's rows (no deleted row, no pre-update image), records the table version, live rows find
 * themselves at rank 1, and recall@10 against exact search over the table at that version stays >= 0.95. The table is
 * mirrored in memory (checked against Delta at the end) so exact search needs no scan of the table per round.
 */
class ReindexChurnTest {
    private static final int N = 200_000;
    private static final int DIM = 128;
    private static final int ROUNDS = 20;
    private static final StructType CHANGES = new StructType().add("id", DataTypes.LongType).add("vector",
            DataTypes.createArrayType(DataTypes.FloatType)).add("op", DataTypes.StringType);

    @TempDir
    Path dir;

    @Test
    void twentyRoundsOfChurnKeepTheBundleExactlyTheTable() {
        SparkSession spark = TestSpark.session();
        String table = dir.resolve("vectors").toString();
        String bundle = dir.resolve("bundle").toString();
        SyntheticVectors.generate(spark, 0, N, DIM, 7, 4).write().format("delta").save(table);
        spark.sql("ALTER TABLE delta.`" + table + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)");
        Dataset<Row> v1 = spark.read().format("delta").option("versionAsOf", 1).load(table);
        RabitqModel model = new RabitqIndexer().setSampleSize(50_000).fit(v1);
        model.index(v1, bundle, 2, new IndexBundles.Source(RabitqReindex.sourceRef(table), "1", Map.of()));

        Map<Long, float[]> live = vectors(v1.collectAsList());
        float[][] queries = vectors(SyntheticVectors.generate(spark, 5_000_000, 5_000_050, DIM, 7, 1).collectAsList())
                .values().toArray(float[][]::new);
        Random rnd = new Random(11);
        long nextId = N;
        Set<RabitqReindex.Action> actions = new HashSet<>();
        for (int round = 1; round <= ROUNDS; round++) {
            List<Long> ids = new ArrayList<>(live.keySet());
            java.util.Collections.shuffle(ids, rnd);
            int inserts = live.size() / 100;
            int updates = live.size() / 200;
            int deletes = live.size() / 200;
            List<float[]> fresh = new ArrayList<>(vectors(SyntheticVectors.generate(spark, 1_000_000L * round,
                    1_000_000L * round + inserts + updates, DIM, 7, 1).collectAsList()).values());
            List<Row> changes = new ArrayList<>();
            Map<Long, float[]> oldImages = new HashMap<>();
            for (int i = 0; i < updates; i++) {
                long id = ids.get(i);
                oldImages.put(id, live.get(id));
                changes.add(change(id, fresh.get(i), "update"));
                live.put(id, fresh.get(i));
            }
            Map<Long, float[]> deleted = new HashMap<>();
            for (int i = updates; i < updates + deletes; i++) {
                long id = ids.get(i);
                deleted.put(id, live.remove(id));
                changes.add(change(id, deleted.get(id), "delete"));
            }
            List<Long> inserted = new ArrayList<>();
            for (int i = 0; i < inserts; i++) {
                long id = nextId++;
                changes.add(change(id, fresh.get(updates + i), "insert"));
                live.put(id, fresh.get(updates + i));
                inserted.add(id);
            }
            DeltaTable.forPath(spark, table).as("t").merge(spark.createDataFrame(changes, CHANGES).as("s"), "t.id = s.id")
                    .whenMatched("s.op = 'delete'").delete()
                    .whenMatched("s.op = 'update'").updateExpr(Map.of("vector", "s.vector"))
                    .whenNotMatched("s.op = 'insert'").insertExpr(Map.of("id", "s.id", "vector", "s.vector"))
                    .execute();
            long version = RabitqReindex.latestVersion(spark, table);

            RabitqReindex.Result r = RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options());
            actions.add(r.action());
            String at = "round " + round + " (" + r.action() + ", " + r.reason() + ")";
            assertEquals(Long.toString(version), r.manifest().sourceVersion(), at);
            assertEquals(live.size(), r.manifest().rows(), at);

            QuantizedIndex index = IndexBundles.load(Path.of(bundle));
            assertEquals(live.keySet(), storedIds(index, live.size(), at), at + ": the bundle holds exactly the table's ids");
            for (Map.Entry<Long, float[]> e : deleted.entrySet()) {
                Neighbor[] nn = index.search(e.getValue(), 10);
                assertTrue(Arrays.stream(nn).noneMatch(n -> n.id() == e.getKey()), at + ": deleted id " + e.getKey() + " returned");
            }
            for (Map.Entry<Long, float[]> e : oldImages.entrySet()) {
                Neighbor[] nn = index.search(e.getValue(), 1);
                assertFalse(nn.length > 0 && nn[0].id() == e.getKey(), at + ": the old image of " + e.getKey() + " still ranks first");
            }
            List<Long> sample = new ArrayList<>(inserted);
            sample.addAll(oldImages.keySet());
            sample.addAll(ids.subList(updates + deletes, updates + deletes + 1_000));
            long self = sample.stream().filter(id -> {
                Neighbor[] nn = index.search(live.get(id), 1);
                return nn.length > 0 && nn[0].id() == id;
            }).count();
            assertTrue(self >= 0.999 * sample.size(), at + ": " + self + " of " + sample.size() + " live rows find themselves first");
            double recall = recall(index, live, queries);
            assertTrue(recall >= 0.95, at + ": recall@10 " + recall);
        }
        assertTrue(actions.contains(RabitqReindex.Action.INCREMENTAL) && actions.contains(RabitqReindex.Action.COMPACTED),
                "the rounds exercised incremental runs and compaction: " + actions);
        Map<Long, float[]> table20 = vectors(spark.read().format("delta").load(table).collectAsList());
        assertEquals(live.keySet(), table20.keySet(), "the in-memory mirror is the table");
        table20.forEach((id, v) -> assertTrue(Arrays.equals(v, live.get(id)), "row " + id));
    }

    private static Set<Long> storedIds(QuantizedIndex index, int expected, String at) {
        Set<Long> ids = new HashSet<>();
        long rows = 0;
        for (IndexSnapshot.Cluster c : index.snapshot().clusters()) {
            for (long id : c.ids()) {
                ids.add(id);
                rows++;
            }
        }
        assertEquals(expected, rows, at + ": one stored row per live id");
        return ids;
    }

    static double recall(QuantizedIndex index, Map<Long, float[]> live, float[][] queries) {
        long[] ids = live.keySet().stream().mapToLong(Long::longValue).toArray();
        float[][] rows = Arrays.stream(ids).mapToObj(live::get).toArray(float[][]::new);
        int hits = 0;
        for (float[] q : queries) {
            double[] best = new double[10];
            long[] bestIds = new long[10];
            Arrays.fill(best, Double.MAX_VALUE);
            for (int i = 0; i < rows.length; i++) {
                double d = 0;
                for (int j = 0; j < q.length; j++) {
                    double x = rows[i][j] - q[j];
                    d += x * x;
                }
                if (d < best[9]) {
                    int at = 9;
                    while (at > 0 && best[at - 1] > d) {
                        best[at] = best[at - 1];
                        bestIds[at] = bestIds[at - 1];
                        at--;
                    }
                    best[at] = d;
                    bestIds[at] = ids[i];
                }
            }
            Set<Long> truth = new HashSet<>();
            for (long id : bestIds) {
                truth.add(id);
            }
            for (Neighbor n : index.search(q, 10)) {
                hits += truth.contains(n.id()) ? 1 : 0;
            }
        }
        return hits / (10.0 * queries.length);
    }

    private static Row change(long id, float[] v, String op) {
        List<Float> list = new ArrayList<>(v.length);
        for (float x : v) {
            list.add(x);
        }
        return RowFactory.create(id, list, op);
    }

    static Map<Long, float[]> vectors(List<Row> rows) {
        Map<Long, float[]> out = new LinkedHashMap<>();
        for (Row r : rows) {
            out.put(r.getLong(0), floats(r.getList(1)));
        }
        return out;
    }

    private static float[] floats(List<?> list) {
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) list.get(i)).floatValue();
        }
        return v;
    }
}
