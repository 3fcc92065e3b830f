package io.rabitq.spark;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RabitqOptions;
import io.rabitq.lake.BundleBackend;
import io.rabitq.lake.Consistency;
import io.rabitq.lake.IndexBundles;
import io.rabitq.lake.LakeException;
import io.rabitq.lake.VectorCache;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The per-JVM (driver or executor) cache of bundle indexes, one lake {@link VectorCache} bounded to half the heap:
 * whole bundles for the row-wise UDF, re-checked against the live generation at most every
 * {@value #RECHECK_MILLIS} ms so a republished bundle is picked up without restarting the job; and the partitions of
 * one shard (or none: the centroids that prepare queries) for {@code searchBatch} and NEAREST BY tasks, keyed by the
 * witness of the generation the driver chose.
 */
final class ExecutorIndexCache {
    static final long RECHECK_MILLIS = 5_000;
    private static final Consistency UDF_CONSISTENCY = Consistency.eventual(Duration.ofMillis(RECHECK_MILLIS));
    private static final VectorCache CACHE = new VectorCache(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 2, RabitqOptions.defaults());
    private static final ConcurrentHashMap<Path, BundleBackend> ROOTS = new ConcurrentHashMap<>();

    private ExecutorIndexCache() {
    }

    /** The whole live bundle in {@code bundleDir}, every byte verified when first loaded. */
    static QuantizedIndex wholeBundle(String bundleDir) {
        Path dir = Path.of(bundleDir).toAbsolutePath().normalize();
        Path root = dir.getParent() == null ? dir : dir.getParent();
        BundleBackend backend = ROOTS.computeIfAbsent(root, r -> new BundleBackend(r.toString(), r));
        try {
            return CACHE.resolve(backend, dir.getFileName().toString(), UDF_CONSISTENCY);
        } catch (LakeException | BundleException e) {
            throw new InvalidInputException("bundle " + bundleDir + " cannot be searched: " + e.getMessage(), e);
        }
    }

    /**
     * The rows of {@code partitions} of the generation with {@code witness} as one index. The driver verified the whole
     * bundle; here the files get the quick check, and reading a partition checks schema, rows and clusters.
     */
    static QuantizedIndex partitions(String bundleDir, String generation, String witness, int[] partitions) {
        String name = "partitions " + java.util.Arrays.toString(partitions);
        return installed(new VectorCache.Key(bundleDir, name), witness + "/" + name, generation, () -> {
            try (Bundle b = Bundle.open(Path.of(bundleDir), generation, Bundle.Verification.QUICK)) {
                if (!b.manifest().witness().equals(witness)) {
                    throw new InvalidInputException(bundleDir + " " + generation + " changed while being searched (witness "
                            + b.manifest().witness() + ", expected " + witness + ")");
                }
                return IndexBundles.loadPartitions(b, partitions);
            }
        });
    }

    /** The index {@code key} points at if it is the entry {@code entry}, else {@code load}ed and installed there. */
    private static QuantizedIndex installed(VectorCache.Key key, String entry, String generation, Supplier<QuantizedIndex> load) {
        if (entry.equals(CACHE.witnessOf(key))) {
            QuantizedIndex hit = CACHE.indexOf(key);
            if (hit != null) {
                return hit;
            }
        }
        QuantizedIndex loaded = load.get();
        CACHE.installPrebuilt(key, entry, generation, loaded);
        return loaded;
    }
}
