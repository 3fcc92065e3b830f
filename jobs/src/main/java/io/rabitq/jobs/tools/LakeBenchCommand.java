package io.rabitq.jobs.tools;

import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.RabitqOptions;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.Recall;
import io.rabitq.jobs.Json;
import io.rabitq.jobs.Phases;
import io.rabitq.lake.Consistency;
import io.rabitq.lake.Lake;
import io.rabitq.lake.LocalBackend;
import io.rabitq.lake.VectorCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lake-bench}: the cost of the cache-hit path against the same index searched directly (same run,
 * interleaved passes), federated recall over shards, and throughput of concurrent clients.
 */
@Command(name = "lake-bench", sortOptions = false,
        description = "Cache-hit cost vs the direct index, federated recall, concurrent clients.")
final class LakeBenchCommand implements Callable<Integer> {
    private static final long CACHE_BYTES = Runtime.getRuntime().maxMemory() / 2;

    @Option(names = "--n", defaultValue = "100000", description = "vectors (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--dim", defaultValue = "128", description = "dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--queries", defaultValue = "1000", description = "queries (default: ${DEFAULT-VALUE})")
    int nq;
    @Option(names = "--k", defaultValue = "10", description = "neighbours per query (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--shards", defaultValue = "4", description = "shards of the federated search (default: ${DEFAULT-VALUE})")
    int shards;
    @Option(names = "--passes", defaultValue = "7", description = "timed passes per path (default: ${DEFAULT-VALUE})")
    int passes;

    @Override
    public Integer call() throws InterruptedException {
        Dataset d = ClusteredGaussian.generate(n, nq, dim, 42);
        float[][] queries = d.queryRows();
        LocalBackend backend = new LocalBackend("local");
        long[] ids = java.util.stream.LongStream.range(0, n).toArray();
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
            long[][] found = new long[nq][];
            t0 = System.nanoTime();
            for (int q = 0; q < nq; q++) {
                found[q] = eventual.searchFederated(targets, queries[q], k).stream().mapToLong(Lake.Hit::id).toArray();
            }
            double fedQps = nq / Phases.seconds(t0);
            double recall = Recall.atK(truth, k, found, k);
            System.err.printf("federated over %d shards of %d: recall@%d %.4f, %.0f QPS%n", shards, per, k, recall, fedQps);

            int[] threads = {1, 2, 4, 8};
            double[] clientQps = new double[threads.length];
            for (int t = 0; t < threads.length; t++) {
                clientQps[t] = concurrentQps(eventual, queries, k, threads[t]);
                System.err.printf("%d client threads: %.0f QPS (%.2fx one thread, %d cores)%n", threads[t], clientQps[t],
                        clientQps[t] / clientQps[0], Runtime.getRuntime().availableProcessors());
            }
            List<Long> clients = new ArrayList<>();
            for (double q : clientQps) {
                clients.add(Math.round(q));
            }
            new Json().put("n", n).put("dim", dim).put("queries", nq).put("k", k).put("direct_qps", Math.round(nq / secs[0]))
                    .put("fresh_qps", Math.round(nq / secs[1])).put("eventual_qps", Math.round(nq / secs[2]))
                    .put("fresh_cost", Json.round(secs[1] / secs[0], 3)).put("eventual_cost", Json.round(secs[2] / secs[0], 3))
                    .put("direct_batch_qps", Math.round(nq / secs[3])).put("lake_batch_qps", Math.round(nq / secs[4]))
                    .put("batch_cost", Json.round(secs[4] / secs[3], 3)).put("shards", shards)
                    .put("federated_recall", Json.round(recall, 4)).put("federated_qps", Math.round(fedQps)).put("client_qps", clients)
                    .put("cores", Runtime.getRuntime().availableProcessors()).print();
        }
        return 0;
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
