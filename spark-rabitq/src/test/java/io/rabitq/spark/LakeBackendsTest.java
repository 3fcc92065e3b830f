package io.rabitq.spark;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.lake.DeltaBackend;
import io.rabitq.lake.Lake;
import io.rabitq.lake.LakeException;
import io.rabitq.lake.ParquetBackend;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lake's Delta and Parquet backends read tables Spark wrote, without Spark (Delta Kernel). */
class LakeBackendsTest {
    private static final int DIM = 16;
    private static final long SEED = 5;

    @TempDir
    Path tmp;

    private static Map<Long, float[]> pullAll(io.rabitq.lake.BackendAdapter b, String collection, String generation) {
        Map<Long, float[]> out = new HashMap<>();
        b.pull(collection, generation, batch -> {
            for (int i = 0; i < batch.size(); i++) {
                out.put(batch.ids()[i], java.util.Arrays.copyOfRange(batch.vectors(), i * DIM, (i + 1) * DIM));
            }
        });
        return out;
    }

    private static float[] expected(long id) {
        List<Float> row = SyntheticVectors.row(id, DIM, SEED);
        float[] v = new float[row.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = row.get(i);
        }
        return v;
    }

    @Test
    void deltaTablesAreReadAtTheirVersionsWithDeletionVectorsApplied() {
        SparkSession spark = TestSpark.session();
        String table = tmp.resolve("delta/docs").toString();
        SyntheticVectors.generate(spark, 0, 3000, DIM, SEED, 3).write().format("delta")
                .option("delta.enableDeletionVectors", "true").save(table);
        DeltaBackend b = new DeltaBackend("delta", tmp.resolve("delta"), "id", "vector");
        assertEquals(List.of("docs"), b.listCollections());
        assertEquals("0", b.generation("docs"));
        Map<Long, float[]> v0 = pullAll(b, "docs", "0");
        assertEquals(3000, v0.size());
        assertTrue(java.util.Arrays.equals(expected(1234), v0.get(1234L)), "components survive exactly");
        try (Lake lake = Lake.create(1L << 30).registerBackend(b)) {
            Lake.Hit self = lake.searchOne("delta", "docs", expected(77), 1).get(0);
            assertEquals(77, self.id());
            assertEquals(0f, self.distance(), 1e-3f, "the cache ranks by 7-bit estimates: a vector finds itself at about 0");

            SyntheticVectors.generate(spark, 3000, 3100, DIM, SEED, 1).write().format("delta").mode("append").save(table);
            spark.sql("DELETE FROM delta.`" + table + "` WHERE id < 100");
            String latest = b.generation("docs");
            assertEquals("2", latest);
            Map<Long, float[]> now = pullAll(b, "docs", latest);
            assertEquals(3000, now.size(), "100 appended, 100 deleted");
            assertTrue(!now.containsKey(5L) && now.containsKey(3050L));
            assertEquals(3000, pullAll(b, "docs", "0").size(), "an older version is still readable");
            assertEquals(3050, lake.searchOne("delta", "docs", expected(3050), 1).get(0).id(), "FRESH follows the new version");
            assertTrue(lake.searchOne("delta", "docs", expected(5), 1).get(0).id() != 5, "deleted rows are gone");
            assertEquals(2, lake.cache().stats().primes());
        }
        assertThrows(LakeException.UnknownCollection.class, () -> b.generation("nope"));
        assertThrows(LakeException.UnknownCollection.class, () -> b.generation("../delta"));
    }

    @Test
    void parquetDirectoriesOfFloatAndDoubleArraysAreCollections() {
        SparkSession spark = TestSpark.session();
        Path root = tmp.resolve("parquet");
        SyntheticVectors.generate(spark, 0, 2000, DIM, SEED, 2).write().parquet(root.resolve("f32").toString());
        SyntheticVectors.generate(spark, 0, 2000, DIM, SEED, 2).withColumn("vector", col("vector").cast("array<double>"))
                .write().parquet(root.resolve("f64").toString());
        SyntheticVectors.generate(spark, 0, 10, DIM, SEED, 1).withColumn("id", col("id").cast("int"))
                .write().parquet(root.resolve("intids").toString());
        SyntheticVectors.generate(spark, 0, 10, DIM, SEED, 1).withColumn("vector", col("vector").cast("array<string>"))
                .write().parquet(root.resolve("strings").toString());
        ParquetBackend b = new ParquetBackend("pq", root, "id", "vector");
        assertEquals(List.of("f32", "f64", "intids", "strings"), b.listCollections());
        Map<Long, float[]> f32 = pullAll(b, "f32", b.generation("f32"));
        Map<Long, float[]> f64 = pullAll(b, "f64", b.generation("f64"));
        assertEquals(2000, f32.size());
        for (long id = 0; id < 2000; id += 97) {
            assertTrue(java.util.Arrays.equals(expected(id), f32.get(id)));
            assertTrue(java.util.Arrays.equals(expected(id), f64.get(id)), "doubles of float values convert back exactly");
        }
        assertTrue(java.util.Arrays.equals(expected(7), pullAll(b, "intids", "x").get(7L)), "int ids widen to long");
        LakeException e = assertThrows(LakeException.class, () -> pullAll(b, "strings", "x"));
        assertTrue(e.getMessage().contains("array<float> or array<double>"), e.getMessage());

        try (Lake lake = Lake.create(1L << 30).registerBackend(b)) {
            assertEquals(42, lake.searchOne("pq", "f32", expected(42), 1).get(0).id());
            String before = b.generation("f32");
            SyntheticVectors.generate(spark, 2000, 2010, DIM, SEED, 1).write().mode("append").parquet(root.resolve("f32").toString());
            assertNotEquals(before, b.generation("f32"), "a new file changes the generation");
            assertEquals(2005, lake.searchOne("pq", "f32", expected(2005), 1).get(0).id());
        }
    }

    @Test
    void theUdfPicksUpARepublishedBundleWithoutARestart() throws Exception {
        SparkSession spark = TestSpark.session();
        Path bundle = tmp.resolve("udf-bundle");
        publish(bundle, 0);
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> q = SyntheticVectors.generate(spark, 7, 8, DIM, SEED, 1);
        org.apache.spark.sql.Column nn = RabitqFunctions.rabitqSearch(col("vector"), bundle.toString(), 1);
        assertEquals(7L, q.select(nn.getItem(0).getField("id")).first().getLong(0));
        publish(bundle, 1_000_000); // same vectors, new ids
        Thread.sleep(ExecutorIndexCache.RECHECK_MILLIS + 300);
        assertEquals(1_000_007L, q.select(nn.getItem(0).getField("id")).first().getLong(0), "the new generation answers");
    }

    private static void publish(Path dir, long idOffset) {
        io.rabitq.core.IvfRabitqIndex index = new io.rabitq.core.IvfRabitqIndex(DIM);
        for (long id = 0; id < 500; id++) {
            index.add(idOffset + id, expected(id));
        }
        index.build();
        io.rabitq.lake.IndexBundles.publish(index, dir, 1, new io.rabitq.lake.IndexBundles.Source("test", Long.toString(idOffset), Map.of()));
    }
}
