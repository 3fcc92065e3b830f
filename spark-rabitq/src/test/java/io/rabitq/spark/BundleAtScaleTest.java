package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleSpec;
import io.rabitq.bundle.GenerationWriter;
import io.rabitq.bundle.Manifest;
import io.rabitq.bundle.ParquetExchange;
import io.rabitq.bundle.PartitionData;
import io.rabitq.bundle.PartitionWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000,000 rows of 128-d codes, factors and raw vectors through Arrow IPC and Parquet: identical rows back,
 * and Spark reads the Parquet export as a plain table.
 */
class BundleAtScaleTest {
    static final int ROWS = 1_000_000;
    static final int PARTITIONS = 4;
    static final int DIM = 128;
    static final int NLIST = 1000;
    static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    /** Row r of the global sequence: every value derives from r, so readers can check without keeping copies. */
    static final class RowGen {
        final byte[] code = new byte[DIM / 8];
        final float[] factors = new float[4];
        final float[] raw = new float[DIM];

        void fill(long r) {
            SplittableRandom rnd = new SplittableRandom(r);
            for (int i = 0; i < code.length; i++) {
                code[i] = (byte) rnd.nextInt(256);
            }
            for (int i = 0; i < 4; i++) {
                factors[i] = (float) rnd.nextDouble();
            }
            for (int i = 0; i < DIM; i++) {
                raw[i] = (float) rnd.nextDouble(-2, 2);
            }
        }
    }

    static int clusterOf(long r) {
        return (int) (r * NLIST / ROWS);
    }

    @Test
    void millionRowsRoundTripThroughArrowAndParquetAndSparkReadsIt() {
        Path bundle = dir.resolve("bundle");
        BundleSpec spec = new BundleSpec(DIM, DIM, "l2", 1, "fht_kac", 1, NLIST, Map.of(), List.of("f_add", "f_ip", "f_ppc", "f_err"),
                true, "synthetic", "1", Map.of());
        float[] centroids = new float[NLIST * DIM];
        Manifest written;
        try (GenerationWriter g = GenerationWriter.begin(bundle, spec)) {
            g.writeCentroids(centroids);
            RowGen row = new RowGen();
            for (int p = 0; p < PARTITIONS; p++) {
                try (PartitionWriter w = g.openPartition()) {
                    for (long r = (long) p * ROWS / PARTITIONS; r < (long) (p + 1) * ROWS / PARTITIONS; r++) {
                        row.fill(r);
                        w.append(r * 7, clusterOf(r), row.code, row.factors, row.raw);
                    }
                }
            }
            written = g.publish();
        }
        assertEquals(ROWS, written.rows());
        RowGen expect = new RowGen();
        try (Bundle b = Bundle.open(bundle)) {
            long r = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                PartitionData d = b.readPartition(p);
                float[] raw = new float[DIM];
                for (int i = 0; i < d.rows(); i++, r++) {
                    expect.fill(r);
                    assertEquals(r * 7, d.ids()[i]);
                    assertEquals(clusterOf(r), d.clusters()[i]);
                    for (int k = 0; k < DIM / 8; k++) {
                        assertEquals(expect.code[k], d.codes()[i * (DIM / 8) + k]);
                    }
                    assertEquals(expect.factors[3], d.factors()[3][i]);
                    d.raw().read(i, raw, 0);
                    assertEquals(expect.raw[DIM - 1], raw[DIM - 1]);
                    assertEquals(expect.raw[0], raw[0]);
                }
            }
            assertEquals(ROWS, r);
            ParquetExchange.export(b, dir.resolve("parquet"));
        }
        Manifest reimported = ParquetExchange.importInto(dir.resolve("parquet"), dir.resolve("copy"));
        assertEquals(written.witness(), reimported.witness(), "Parquet round trip is lossless");

        Dataset<Row> df = spark.read().parquet(dir.resolve("parquet").resolve("part-*.parquet").toString());
        assertEquals(DataTypes.FloatType, ((ArrayType) df.schema().apply("raw").dataType()).elementType(), "raw is array<float>");
        assertEquals(DataTypes.LongType, df.schema().apply("id").dataType());
        assertEquals(DataTypes.BinaryType, df.schema().apply("code").dataType());
        assertEquals(ROWS, df.count());
        List<Row> some = df.filter("id in (0, 3500007, 6999993)").orderBy("id").collectAsList();
        assertEquals(3, some.size());
        for (Row row : some) {
            long r = row.getLong(row.fieldIndex("id")) / 7;
            expect.fill(r);
            assertEquals(clusterOf(r), row.getInt(row.fieldIndex("cluster")));
            assertArrayEquals(expect.code, (byte[]) row.get(row.fieldIndex("code")));
            List<Float> raw = row.getList(row.fieldIndex("raw"));
            assertEquals(DIM, raw.size());
            assertEquals(expect.raw[5], raw.get(5));
        }
        long clusters = df.select("cluster").distinct().count();
        assertEquals(NLIST, clusters);
        assertTrue(df.filter("size(raw) <> 128").isEmpty());
    }
}
