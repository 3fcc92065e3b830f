package io.rabitq.bundle;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes small deterministic bundles for the tests (and for the crash test's child JVM). */
final class TestBundles {
    static final int DIM = 12;
    static final int PADDED = 64;
    static final int NLIST = 6;

    private TestBundles() {
    }

    static BundleSpec spec(String version) {
        return new BundleSpec(DIM, PADDED, "l2", 1, "fht_kac", 42, NLIST, Map.of("nprobe", "2", "query_bits", "5"),
                List.of("f_add", "f_ip", "f_ppc", "f_err"), true, "file:///data/table", version, Map.of("lineage_id", "job-1"));
    }

    /** Row r of partition p of a bundle tagged {@code tag}: every value is derived from (tag, p, r). */
    static long id(long tag, int p, int r) {
        return tag * 1_000_000 + p * 10_000 + r;
    }

    /** The raw vector of row r of partition p, as {@link #publish} writes it. */
    static float[] raw(long tag, int p, int r) {
        Random rnd = new Random(tag * 31 + p);
        float[] raw = new float[DIM];
        for (int i = 0; i <= r; i++) {
            rnd.nextBytes(new byte[PADDED / 8]);
            for (int d = 0; d < DIM; d++) {
                raw[d] = (float) rnd.nextGaussian();
            }
        }
        return raw;
    }

    /** Publishes {@code partitions} partitions of {@code rows} rows each; ids encode {@code tag}. */
    static Manifest publish(Path dir, long tag, int partitions, int rows) {
        try (GenerationWriter g = GenerationWriter.begin(dir, spec("v" + tag))) {
            float[] centroids = new float[NLIST * DIM];
            for (int i = 0; i < centroids.length; i++) {
                centroids[i] = tag + i * 0.5f;
            }
            g.writeCentroids(centroids);
            for (int p = 0; p < partitions; p++) {
                try (PartitionWriter w = g.openPartition()) {
                    Random rnd = new Random(tag * 31 + p);
                    for (int r = 0; r < rows; r++) {
                        int cluster = (int) ((long) r * NLIST / rows);
                        byte[] code = new byte[PADDED / 8];
                        rnd.nextBytes(code);
                        float[] raw = new float[DIM];
                        for (int d = 0; d < DIM; d++) {
                            raw[d] = (float) rnd.nextGaussian();
                        }
                        w.append(id(tag, p, r), cluster, code, new float[] {r, -r, tag, 0.5f}, raw);
                    }
                }
            }
            return g.publish();
        }
    }
}
