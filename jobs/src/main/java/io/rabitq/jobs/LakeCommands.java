package io.rabitq.jobs;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Bundles;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.RabitqOptions;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.lake.BundleBackend;
import io.rabitq.lake.CacheStats;
import io.rabitq.lake.Consistency;
import io.rabitq.lake.Lake;
import io.rabitq.lake.LocalBackend;
import io.rabitq.lake.VectorCache;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The single-process lake commands: a bundle sidecar, a warm-restart demo and the cache benchmark. No Spark. */
final class LakeCommands {
    private static final long CACHE_BYTES = Runtime.getRuntime().maxMemory() / 2;

    private LakeCommands() {
    }

    /**
     * {@code lake-sidecar}: serves the bundle in a directory through a lake whose searches never ask the backend,
     * polls the directory and, on each rotation (a newly published generation), drops the cached index, loads the
     * new one and reports it.
     */
    static int sidecar(Args a) throws InterruptedException {
        if (a.flag("help")) {
            System.out.println("lake-sidecar --bundle DIR [--interval-ms 500] [--seconds 0 (= until stopped)]");
            return 0;
        }
        Path dir = Path.of(a.required("bundle")).toAbsolutePath().normalize();
        long interval = a.integer("interval-ms", 500);
        long seconds = a.integer("seconds", 0);
        a.checkAllUsed();
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
                    System.out.printf("{\"event\":\"rotation\",\"from\":%s,\"to\":\"%s\",\"witness\":\"%s\",\"vectors\":%d,\"load_ms\":%.1f,"
                                    + "\"primes\":%d,\"invalidations\":%d}%n", served == null ? "null" : "\"" + served + "\"", generation,
                            lake.cache().witnessOf(new VectorCache.Key(backendId, collection)),
                            lake.cache().indexOf(new VectorCache.Key(backendId, collection)).size(), Phases.seconds(t0) * 1000, s.primes(),
                            s.invalidations());
                    served = generation;
                }
                Thread.sleep(interval);
            }
        }
        return 0;
    }

    /**
     * {@code lake-warm-restart}: primes a lake from an in-memory backend, answers queries, saves the cache, then
     * starts a new JVM that warms a FROZEN lake with no backend from the saved directory and must answer the
     * same queries with the same ids and distances (bit for bit).
     */
    static int warmRestart(Args a) throws IOException, InterruptedException {
        if (a.flag("help")) {
            System.out.println("lake-warm-restart [--n 20000] [--dim 128] [--queries 100] [--k 10] [--dir .rabitq/warm-restart]");
            return 0;
        }
        int n = a.integer("n", 20_000);
        int dim = a.integer("dim", 128);
        int nq = a.integer("queries", 100);
        int k = a.integer("k", 10);
        Path dir = Path.of(a.string("dir", ".rabitq/warm-restart")).toAbsolutePath();
        String phase = a.string("phase", "save");
        a.checkAllUsed();
        Path answers = dir.resolve("answers.bin");
        Path cacheDir = dir.resolve("cache");
        if (phase.equals("warm")) {
            return warm(cacheDir, answers);
        }
        Dataset d = ClusteredGaussian.generate(n, nq, dim, 42);
        LocalBackend backend = new LocalBackend("local");
        backend.put("docs", ids(n, 1_000_000L), d.baseRows());
        List<List<Lake.Hit>> found;
        double primeMs;
        try (Lake lake = Lake.create(CACHE_BYTES).registerBackend(backend)) {
            found = lake.searchBatch("local", "docs", d.queryRows(), k);
            primeMs = lake.cache().stats().lastPrimeMs();
            Files.createDirectories(dir);
            long t0 = System.nanoTime();
            lake.saveCacheToDir("local", "docs", cacheDir);
            Bundles.retain(cacheDir, 2); // repeated demos keep two generations
            Phases.line("primed %d x %d in %.0f ms, answered %d queries, saved the cache to %s", t0, n, dim, primeMs, nq, cacheDir);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(answers))) {
            out.writeInt(nq);
            out.writeInt(dim);
            for (int q = 0; q < nq; q++) {
                for (float x : d.queryRow(q)) {
                    out.writeFloat(x);
                }
                out.writeInt(found.get(q).size());
                for (Lake.Hit h : found.get(q)) {
                    out.writeLong(h.id());
                    out.writeInt(Float.floatToRawIntBits(h.distance()));
                }
            }
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        String appJar = Path.of(java.net.URI.create(LakeCommands.class.getProtectionDomain().getCodeSource().getLocation().toString())).toString();
        cmd.addAll(List.of("-cp", appJar + java.io.File.pathSeparator + System.getProperty("java.class.path"), Cli.class.getName(),
                "lake-warm-restart", "--phase", "warm", "--dir", dir.toString()));
        System.err.println("lake-warm-restart: starting a new JVM that warms from " + cacheDir + " with no backend");
        Process child = new ProcessBuilder(cmd).inheritIO().start();
        int code = child.waitFor();
        if (code == 0) {
            System.out.printf("{\"phase\":\"save\",\"n\":%d,\"dim\":%d,\"queries\":%d,\"prime_ms\":%.1f,\"warm_restart\":\"identical\"}%n", n, dim, nq,
                    primeMs);
        }
        return code;
    }

    private static int warm(Path cacheDir, Path answers) throws IOException {
        try (Lake lake = new Lake(new VectorCache(4, CACHE_BYTES, RabitqOptions.defaults()), Consistency.frozen());
             DataInputStream in = new DataInputStream(Files.newInputStream(answers))) {
            long t0 = System.nanoTime();
            long vectors = lake.warmFromDir("local", "docs", cacheDir);
            double warmMs = Phases.seconds(t0) * 1000;
            int nq = in.readInt();
            int dim = in.readInt();
            int differing = 0;
            for (int q = 0; q < nq; q++) {
                float[] query = new float[dim];
                for (int i = 0; i < dim; i++) {
                    query[i] = in.readFloat();
                }
                int count = in.readInt();
                List<Lake.Hit> got = lake.searchOne("local", "docs", query, Math.max(1, count));
                boolean same = got.size() == count;
                for (int i = 0; i < count; i++) {
                    long id = in.readLong();
                    int bits = in.readInt();
                    same &= same && got.get(i).id() == id && Float.floatToRawIntBits(got.get(i).distance()) == bits;
                }
                differing += same ? 0 : 1;
            }
            CacheStats s = lake.cache().stats();
            System.out.printf("{\"phase\":\"warm\",\"vectors\":%d,\"warm_ms\":%.1f,\"queries\":%d,\"differing\":%d,\"primes\":%d}%n", vectors, warmMs,
                    nq, differing, s.primes());
            if (differing > 0 || s.primes() != 0) {
                System.err.println("lake-warm-restart: the warmed process answered " + differing + " queries differently");
                return 1;
            }
            return 0;
        }
    }

    /**
     * {@code lake-bench}: the cost of the cache-hit path against the same index searched directly (same run,
     * interleaved passes), federated recall over shards, and throughput of concurrent clients.
     */
    static int bench(Args a) throws InterruptedException {
        if (a.flag("help")) {
            System.out.println("lake-bench [--n 100000] [--dim 128] [--queries 1000] [--k 10] [--shards 4] [--passes 7]");
            return 0;
        }
        int n = a.integer("n", 100_000);
        int dim = a.integer("dim", 128);
        int nq = a.integer("queries", 1000);
        int k = a.integer("k", 10);
        int shards = a.integer("shards", 4);
        int passes = a.integer("passes", 7);
        a.checkAllUsed();
        Dataset d = ClusteredGaussian.generate(n, nq, dim, 42);
        float[][] queries = d.queryRows();
        LocalBackend backend = new LocalBackend("local");
        long[] ids = ids(n, 0);
        float[][] rows = d.baseRows();
        backend.put("all", ids, rows);
        int per = (n + shards - 1) / shards;
        List<Lake.Target> targets = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            int from = s * per;
            int to = Math.min(n, from + per);
            backend.put("shard" + s, Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(rows, from, to));
            targets.add(new Lake.Target("local", "shard" + s));
        }
        long t0 = System.nanoTime();
        IvfRabitqIndex direct = new IvfRabitqIndex(dim, RabitqOptions.defaults());
        for (int i = 0; i < n; i++) {
            direct.add(i, rows[i]);
        }
        direct.build();
        Phases.line("built the direct index: %d x %d", t0, n, dim);
        try (Lake fresh = Lake.create(CACHE_BYTES).registerBackend(backend);
             Lake eventual = new Lake(new VectorCache(16, CACHE_BYTES, RabitqOptions.defaults()), Consistency.eventual(Duration.ofMinutes(10)))
                     .registerBackend(backend)) {
            fresh.searchOne("local", "all", queries[0], k);
            eventual.searchOne("local", "all", queries[0], k);
            Runnable[] paths = {
                () -> {
                    for (float[] q : queries) {
                        direct.search(q, k);
                    }
                },
                () -> {
                    for (float[] q : queries) {
                        fresh.searchOne("local", "all", q, k);
                    }
                },
                () -> {
                    for (float[] q : queries) {
                        eventual.searchOne("local", "all", q, k);
                    }
                },
                () -> direct.searchBatch(queries, k),
                () -> fresh.searchBatch("local", "all", queries, k)};
            String[] names = {"direct search", "lake searchOne FRESH", "lake searchOne EVENTUAL", "direct searchBatch", "lake searchBatch FRESH"};
            double[] secs = interleavedMedians(paths, passes);
            System.err.printf("%-26s %10s %8s%n", "path (cache hits)", "QPS", "x direct");
            for (int i = 0; i < paths.length; i++) {
                double base = i < 3 ? secs[0] : secs[3];
                System.err.printf("%-26s %10.0f %8.3f%n", names[i], nq / secs[i], secs[i] / base);
            }

            int[] truth = GroundTruth.compute(d.base(), d.queries(), dim, k, "l2");
            eventual.searchFederated(targets, queries[0], k);
            int hits = 0;
            t0 = System.nanoTime();
            for (int q = 0; q < nq; q++) {
                Set<Long> want = new HashSet<>();
                for (int i = 0; i < k; i++) {
                    want.add((long) truth[q * k + i]);
                }
                for (Lake.Hit h : eventual.searchFederated(targets, queries[q], k)) {
                    hits += want.contains(h.id()) ? 1 : 0;
                }
            }
            double fedQps = nq / Phases.seconds(t0);
            double recall = hits / (double) (nq * k);
            System.err.printf("federated over %d shards of %d: recall@%d %.4f, %.0f QPS%n", shards, per, k, recall, fedQps);

            int[] threads = {1, 2, 4, 8};
            double[] clientQps = new double[threads.length];
            for (int t = 0; t < threads.length; t++) {
                clientQps[t] = concurrentQps(eventual, queries, k, threads[t]);
                System.err.printf("%d client threads: %.0f QPS (%.2fx one thread, %d cores)%n", threads[t], clientQps[t],
                        clientQps[t] / clientQps[0], Runtime.getRuntime().availableProcessors());
            }
            System.out.printf("{\"n\":%d,\"dim\":%d,\"queries\":%d,\"k\":%d,\"direct_qps\":%.0f,\"fresh_qps\":%.0f,\"eventual_qps\":%.0f,"
                            + "\"fresh_cost\":%.3f,\"eventual_cost\":%.3f,\"direct_batch_qps\":%.0f,\"lake_batch_qps\":%.0f,\"batch_cost\":%.3f,"
                            + "\"shards\":%d,\"federated_recall\":%.4f,\"federated_qps\":%.0f,\"client_qps\":[%.0f,%.0f,%.0f,%.0f],\"cores\":%d}%n",
                    n, dim, nq, k, nq / secs[0], nq / secs[1], nq / secs[2], secs[1] / secs[0], secs[2] / secs[0], nq / secs[3], nq / secs[4],
                    secs[4] / secs[3], shards, recall, fedQps, clientQps[0], clientQps[1], clientQps[2], clientQps[3],
                    Runtime.getRuntime().availableProcessors());
        }
        return 0;
    }

    /** {@code n} consecutive ids from {@code first}. */
    private static long[] ids(int n, long first) {
        long[] out = new long[n];
        java.util.Arrays.setAll(out, i -> first + i);
        return out;
    }

    /** Runs every path once to warm up, then {@code passes} rounds of all paths in turn; the median per path. */
    private static double[] interleavedMedians(Runnable[] paths, int passes) {
        long warmUntil = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < warmUntil) {
            for (Runnable p : paths) {
                p.run();
            }
        }
        double[][] t = new double[paths.length][passes];
        for (int r = 0; r < passes; r++) {
            for (int i = 0; i < paths.length; i++) {
                long t0 = System.nanoTime();
                paths[i].run();
                t[i][r] = Phases.seconds(t0);
            }
        }
        double[] out = new double[paths.length];
        for (int i = 0; i < paths.length; i++) {
            Arrays.sort(t[i]);
            out[i] = t[i][passes / 2];
        }
        return out;
    }

    private static double concurrentQps(Lake lake, float[][] queries, int k, int threads) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            int perThread = queries.length * 2;
            List<Future<?>> done = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        lake.searchOne("local", "all", queries[(offset * 31 + i) % queries.length], k);
                    }
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("a client thread failed", e.getCause());
                }
            }
            return (double) threads * perThread / Phases.seconds(t0);
        } finally {
            pool.shutdownNow();
        }
    }
}
