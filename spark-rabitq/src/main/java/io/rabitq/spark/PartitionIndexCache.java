package io.rabitq.spark;

import io.rabitq.bundle.Bundle;
import io.rabitq.core.Kernels;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.lake.IndexBundles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-executor cache of bundle partitions loaded as searchable indexes, keyed by (bundle witness, partition),
 * so every task of every query batch against the same bundle bytes loads a partition once per JVM. A
 * republished bundle has a new witness and is loaded fresh. Least recently used entries beyond
 * {@value #MAX_ENTRIES} are dropped.
 */
final class PartitionIndexCache {
    static final int MAX_ENTRIES = 64;
    private static final Map<String, QuantizedIndex> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, QuantizedIndex> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    private PartitionIndexCache() {
    }

    /**
     * The index of partition {@code partition} of the generation with {@code witness}. The driver verified the
     * whole bundle; here the files get the quick check, and reading the partition checks schema, rows and clusters.
     */
    static QuantizedIndex get(String bundleDir, String generation, String witness, int partition) {
        String key = witness + "/" + partition;
        synchronized (CACHE) {
            QuantizedIndex hit = CACHE.get(key);
            if (hit != null) {
                return hit;
            }
        }
        QuantizedIndex loaded;
        try (Bundle b = Bundle.open(Path.of(bundleDir), generation, Bundle.Verification.QUICK)) {
            if (!b.manifest().witness().equals(witness)) {
                throw new InvalidInputException(bundleDir + " " + generation + " changed while being searched (witness "
                        + b.manifest().witness() + ", expected " + witness + ")");
            }
            loaded = IndexBundles.loadPartitions(b, new int[] {partition}, Kernels.scan());
        }
        synchronized (CACHE) {
            CACHE.putIfAbsent(key, loaded);
            return CACHE.get(key);
        }
    }
}
