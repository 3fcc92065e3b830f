package io.rabitq.jobs;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RabitqOptions;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.lake.IndexBundles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code bundle-bench}: builds an IVF index over synthetic data, publishes it as a bundle, and times full
 * verification (MB/s), the quick open plus memory-mapping of every partition (ms), and loading the index back
 * (checking its answers equal the original's). Last line: one JSON object.
 */
final class BundleBenchCommand {

    int run(Args args) throws IOException {
        int n = args.integer("n", 1_000_000);
        int dim = args.integer("dim", 128);
        int nlist = args.integer("nlist", 1024);
        int partitions = args.integer("partitions", 8);
        String out = args.string("dir", null);
        if (args.flag("help")) {
            System.out.println("bundle-bench [--n 1000000] [--dim 128] [--nlist 1024] [--partitions 8] [--dir DIR (default: a temp dir, deleted)]");
            return 0;
        }
        args.checkAllUsed();
        Path dir = out != null ? Path.of(out) : Files.createTempDirectory("rabitq-bundle-bench");
        try {
            Dataset data = ClusteredGaussian.generate(n, 100, dim, 42);
            long t0 = System.nanoTime();
            IvfRabitqIndex index = new IvfRabitqIndex(dim, RabitqOptions.defaults().withNlist(nlist));
            for (int i = 0; i < n; i++) {
                index.add(i, data.baseRow(i));
            }
            index.build();
            double buildS = seconds(t0);
            System.err.printf("built IvfRabitqIndex n=%d dim=%d nlist=%d in %.1f s%n", n, dim, nlist, buildS);
            t0 = System.nanoTime();
            Manifest m = IndexBundles.publish(index, dir, partitions, new IndexBundles.Source("synthetic", "1", Map.of()));
            double publishS = seconds(t0);
            long bytes = m.partitions().stream().mapToLong(Manifest.PartitionEntry::bytes).sum() + m.centroids().bytes();
            double mb = bytes / 1e6;
            System.err.printf("published %s: %d partitions, %.0f MB in %.2f s (%.0f MB/s)%n", m.witness().substring(0, 12), partitions, mb, publishS, mb / publishS);
            double fullS = Double.MAX_VALUE;
            double quickMs = Double.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) { // best of three: the first pass also warms the page cache
                t0 = System.nanoTime();
                try (Bundle b = Bundle.open(dir, Bundle.Verification.FULL)) {
                    fullS = Math.min(fullS, seconds(t0));
                }
                t0 = System.nanoTime();
                try (Bundle b = Bundle.open(dir, Bundle.Verification.QUICK)) {
                    long mapped = 0;
                    for (int p = 0; p < partitions; p++) {
                        mapped += b.map(p).capacity();
                    }
                    quickMs = Math.min(quickMs, seconds(t0) * 1000);
                    if (mapped + m.centroids().bytes() != bytes) {
                        throw new IllegalStateException("mapped " + mapped + " bytes of " + bytes);
                    }
                }
            }
            System.err.printf("open + full verification: %.2f s (%.0f MB/s); quick open + map all partitions: %.1f ms%n", fullS, mb / fullS, quickMs);
            t0 = System.nanoTime();
            QuantizedIndex loaded = IndexBundles.load(dir);
            double loadS = seconds(t0);
            float[][] q = data.queryRows();
            boolean identical = true;
            Neighbor[][] a = index.searchBatch(q, 10);
            Neighbor[][] b = loaded.searchBatch(q, 10);
            for (int j = 0; j < q.length; j++) {
                identical &= Arrays.equals(a[j], b[j]);
            }
            System.err.printf("loaded back in %.2f s; answers identical to the original: %s%n", loadS, identical);
            System.out.printf("{\"n\":%d,\"dim\":%d,\"nlist\":%d,\"partitions\":%d,\"bundle_mb\":%.1f,\"publish_mb_per_s\":%.1f,"
                            + "\"full_verify_seconds\":%.3f,\"full_verify_mb_per_s\":%.1f,\"quick_open_map_ms\":%.2f,\"load_seconds\":%.3f,"
                            + "\"identical_answers\":%s}%n", n, dim, nlist, partitions, mb, mb / publishS, fullS, mb / fullS, quickMs, loadS, identical);
            return identical ? 0 : 1;
        } finally {
            if (out == null) {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
