package io.rabitq.jobs.tools;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RabitqOptions;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.jobs.Json;
import io.rabitq.jobs.Phases;
import io.rabitq.datasets.Dataset;
import io.rabitq.lake.IndexBundles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bundle-bench}: builds an IVF index over synthetic data, publishes it as a bundle, and times full
 * verification (MB/s), the quick open plus memory-mapping of every partition (ms), and loading the index back
 * (checking its answers equal the original's). Last line: one JSON object.
 */
@Command(name = "bundle-bench", sortOptions = false,
        description = "Publish an index as a bundle; time verification, mapping and loading.")
final class BundleBenchCommand implements Callable<Integer> {
    @Option(names = "--n", defaultValue = "1000000", description = "vectors (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--dim", defaultValue = "128", description = "dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--nlist", defaultValue = "1024", description = "IVF clusters (default: ${DEFAULT-VALUE})")
    int nlist;
    @Option(names = "--partitions", defaultValue = "8", description = "partition files (default: ${DEFAULT-VALUE})")
    int partitions;
    @Option(names = "--dir", paramLabel = "DIR", description = "where to publish (default: a temporary directory, deleted)")
    Path out;

    @Override
    public Integer call() throws IOException {
        Path dir = out != null ? out : Files.createTempDirectory("rabitq-bundle-bench");
        try {
            Dataset data = ClusteredGaussian.generate(n, 100, dim, 42);
            long t0 = System.nanoTime();
            IvfRabitqIndex index = new IvfRabitqIndex(dim, RabitqOptions.defaults().withNlist(nlist));
            for (int i = 0; i < n; i++) {
                index.add(i, data.baseRow(i));
            }
            index.build();
            double buildS = Phases.seconds(t0);
            System.err.printf("built IvfRabitqIndex n=%d dim=%d nlist=%d in %.1f s%n", n, dim, nlist, buildS);
            t0 = System.nanoTime();
            Manifest m = IndexBundles.publish(index, dir, partitions, new IndexBundles.Source("synthetic", "1", Map.of()));
            double publishS = Phases.seconds(t0);
            long bytes = m.partitions().stream().mapToLong(Manifest.PartitionEntry::bytes).sum() + m.centroids().bytes();
            double mb = bytes / 1e6;
            System.err.printf("published %s: %d partitions, %.0f MB in %.2f s (%.0f MB/s)%n", m.witness().substring(0, 12), partitions, mb, publishS, mb / publishS);
            double fullS = Double.MAX_VALUE;
            double quickMs = Double.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) { // best of three: the first pass also warms the page cache
                t0 = System.nanoTime();
                try (Bundle b = Bundle.open(dir, Bundle.Verification.FULL)) {
                    fullS = Math.min(fullS, Phases.seconds(t0));
                }
                t0 = System.nanoTime();
                try (Bundle b = Bundle.open(dir, Bundle.Verification.QUICK)) {
                    long mapped = 0;
                    for (int p = 0; p < partitions; p++) {
                        mapped += b.map(p).capacity();
                    }
                    quickMs = Math.min(quickMs, Phases.seconds(t0) * 1000);
                    if (mapped + m.centroids().bytes() != bytes) {
                        throw new IllegalStateException("mapped " + mapped + " bytes of " + bytes);
                    }
                }
            }
            System.err.printf("open + full verification: %.2f s (%.0f MB/s); quick open + map all partitions: %.1f ms%n", fullS, mb / fullS, quickMs);
            t0 = System.nanoTime();
            QuantizedIndex loaded = IndexBundles.load(dir);
            double loadS = Phases.seconds(t0);
            float[][] q = data.queryRows();
            boolean identical = true;
            Neighbor[][] a = index.searchBatch(q, 10);
            Neighbor[][] b = loaded.searchBatch(q, 10);
            for (int j = 0; j < q.length; j++) {
                identical &= Arrays.equals(a[j], b[j]);
            }
            System.err.printf("loaded back in %.2f s; answers identical to the original: %s%n", loadS, identical);
            new Json().put("n", n).put("dim", dim).put("nlist", nlist).put("partitions", partitions).put("bundle_mb", Json.round(mb, 1))
                    .put("publish_mb_per_s", Json.round(mb / publishS, 1)).put("full_verify_seconds", Json.round(fullS, 3))
                    .put("full_verify_mb_per_s", Json.round(mb / fullS, 1)).put("quick_open_map_ms", Json.round(quickMs, 2))
                    .put("load_seconds", Json.round(loadS, 3)).put("identical_answers", identical).print();
            return identical ? 0 : 1;
        } finally {
            if (out == null) {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

}
