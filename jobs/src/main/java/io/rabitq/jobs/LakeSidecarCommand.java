package io.rabitq.jobs;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Bundles;
import io.rabitq.core.RabitqOptions;
import io.rabitq.lake.BundleBackend;
import io.rabitq.lake.CacheStats;
import io.rabitq.lake.Consistency;
import io.rabitq.lake.Lake;
import io.rabitq.lake.VectorCache;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lake-sidecar}: serves the bundle in a directory through a lake whose searches never ask the backend, polls
 * the directory and, on each rotation (a newly published generation), drops the cached index, loads the new one and
 * reports it as a JSON line. No Spark.
 */
@Command(name = "lake-sidecar", sortOptions = false,
        description = "Serve a bundle directory through the lake cache, reporting each newly published generation.")
final class LakeSidecarCommand implements Callable<Integer> {
    private static final long CACHE_BYTES = Runtime.getRuntime().maxMemory() / 2;

    @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "bundle directory to serve")
    Path bundle;
    @Option(names = "--interval-ms", defaultValue = "500", description = "poll interval (default: ${DEFAULT-VALUE})")
    long interval;
    @Option(names = "--seconds", defaultValue = "0", description = "stop after this long (default: 0 = until stopped)")
    long seconds;

    @Override
    public Integer call() throws InterruptedException {
        Path dir = bundle.toAbsolutePath().normalize();
        String backendId = "bundles";
        String collection = dir.getFileName().toString();
        try (Lake lake = new Lake(new VectorCache(4, CACHE_BYTES, RabitqOptions.defaults()), Consistency.eventual(Duration.ofDays(365)))
                .registerBackend(new BundleBackend(backendId, dir.getParent()))) {
            long end = seconds > 0 ? System.nanoTime() + seconds * 1_000_000_000L : Long.MAX_VALUE;
            String served = null;
            boolean warnedMissing = false;
            System.err.printf("lake-sidecar: watching %s every %d ms%n", dir, interval);
            while (System.nanoTime() < end) {
                Lake.RefreshResult r = lake.refreshFromBundleDir(backendId, collection, dir);
                if (r == Lake.RefreshResult.BUNDLE_MISSING) {
                    if (!warnedMissing) {
                        System.err.println("lake-sidecar: no bundle published in " + dir + " yet");
                    }
                    warnedMissing = true;
                } else if (served == null || r == Lake.RefreshResult.INVALIDATED) {
                    warnedMissing = false;
                    long t0 = System.nanoTime();
                    String generation = Bundles.currentGeneration(dir).orElseThrow();
                    int dim;
                    try (Bundle b = Bundle.open(dir, generation, Bundle.Verification.QUICK)) {
                        dim = b.manifest().dim();
                    }
                    lake.searchOne(backendId, collection, new float[dim], 1); // loads (and fully verifies) the new generation
                    CacheStats s = lake.cache().stats();
                    VectorCache.Key key = new VectorCache.Key(backendId, collection);
                    new Json().put("event", "rotation").put("from", served).put("to", generation)
                            .put("witness", lake.cache().witnessOf(key)).put("vectors", lake.cache().indexOf(key).size())
                            .put("load_ms", Json.round(Phases.seconds(t0) * 1000, 1)).put("primes", s.primes())
                            .put("invalidations", s.invalidations()).print();
                    served = generation;
                }
                Thread.sleep(interval);
            }
        }
        return 0;
    }
}
