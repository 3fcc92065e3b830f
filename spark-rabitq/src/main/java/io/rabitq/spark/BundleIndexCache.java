package io.rabitq.spark;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Bundles;
import io.rabitq.core.Kernels;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.lake.IndexBundles;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-JVM cache of whole bundles loaded as indexes for the row-wise UDF: one load per executor and bundle
 * directory, re-checked against {@code CURRENT} at most every {@value #RECHECK_MILLIS} ms so a republished
 * bundle is picked up without restarting the job.
 */
final class BundleIndexCache {
    static final long RECHECK_MILLIS = 5_000;

    private record Entry(String generation, QuantizedIndex index, long checkedAt) {
    }

    private static final ConcurrentHashMap<String, Entry> CACHE = new ConcurrentHashMap<>();

    private BundleIndexCache() {
    }

    static QuantizedIndex get(String bundleDir) {
        long now = System.currentTimeMillis();
        Entry e = CACHE.get(bundleDir);
        if (e != null && now - e.checkedAt() < RECHECK_MILLIS) {
            return e.index();
        }
        return CACHE.compute(bundleDir, (dir, old) -> {
            if (old != null) {
                Bundles.RefreshResult r = Bundles.refresh(Path.of(dir), old.generation());
                if (r.status() == Bundles.RefreshStatus.UP_TO_DATE) {
                    return new Entry(old.generation(), old.index(), now);
                }
            }
            try (Bundle b = Bundle.open(Path.of(dir))) {
                return new Entry(b.generation(), IndexBundles.load(b, Kernels.scan()), now);
            } catch (io.rabitq.bundle.BundleException ex) {
                throw new InvalidInputException("bundle " + dir + " cannot be searched: " + ex.getMessage(), ex);
            }
        }).index();
    }
}
