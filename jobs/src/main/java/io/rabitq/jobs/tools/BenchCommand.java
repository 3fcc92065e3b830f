package io.rabitq.jobs.tools;

import io.rabitq.core.AnnIndex;
import io.rabitq.core.FlatIndex;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Kernels;
import io.rabitq.core.Metric;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RabitqAsymIndex;
import io.rabitq.core.RabitqIndex;
import io.rabitq.core.RabitqOptions;
import io.rabitq.core.RabitqPlusIndex;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.VecsIO;
import io.rabitq.jobs.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: builds every index variant on one dataset in this process, runs the queries, and prints a
 * table plus, as the last line, one JSON object with recall@1/10/100, QPS, build time and bytes per vector per
 * run. A first pass at k = 100 gives recall@100; after at least three more seconds of warm-up searches, QPS is the
 * median of three timed {@code searchBatch} passes over all queries at k, split across {@code --threads} threads.
 */
@Command(name = "bench", sortOptions = false,
        description = "Single-process recall and QPS of every index variant (synthetic data or .fvecs/.ivecs files).")
final class BenchCommand implements Callable<Integer> {
    private static final int TRUTH_K = 100;
    private static final int TIMED_PASSES = 3;

    @Spec
    CommandSpec spec;
    @Option(names = "--n", defaultValue = "100000", description = "synthetic vectors (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--dim", defaultValue = "128", description = "synthetic dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--queries", defaultValue = "1000", description = "queries (default: ${DEFAULT-VALUE})")
    int nq;
    @Option(names = "--k", defaultValue = "10", description = "neighbours per query, 1..100 (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--seed", defaultValue = "42", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--threads", defaultValue = "1", description = "search threads (default: ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--base", paramLabel = "B.fvecs", description = "base vectors (.fvecs or .bvecs) instead of synthetic data")
    String base;
    @Option(names = "--query-file", paramLabel = "Q.fvecs", description = "queries for --base")
    String queryFile;
    @Option(names = "--gt", paramLabel = "G.ivecs", description = "exact neighbours of the queries (default: computed)")
    String gtFile;
    @Option(names = "--variants", defaultValue = "all", description = "all or a list of flat,rabitq,plus,asym,ivf (default: ${DEFAULT-VALUE})")
    String variants;
    @Option(names = "--nprobe", split = ",", paramLabel = "P", description = "extra IVF nprobe values besides the default, e.g. 8,16,32")
    List<Integer> nprobes = new ArrayList<>();
    @Option(names = "--recall", split = ",", paramLabel = "R", description = "IVF recall targets, e.g. 0.9,0.95: each is searched "
            + "at the nprobe the index's recall curve (measured at build on its own rows) gives for it")
    List<Double> recalls = new ArrayList<>();
    @Option(names = "--metric", defaultValue = "l2", description = "l2, ip or cosine (default: ${DEFAULT-VALUE})")
    String metricName;
    @Option(names = "--nlist", defaultValue = "0", description = "IVF clusters (default: 0 = each index's default)")
    int nlist;
    @Option(names = "--code-bits", defaultValue = "0", description = "code length (default: 0 = the dimension rounded up to 64)")
    int codeBits;
    @Option(names = "--bits", defaultValue = "0", description = "code bits per dimension, 1 to 9 (default: 0 = each index's default)")
    int bits;
    @Option(names = "--store-raw", negatable = true, description = "IVF keeps raw vectors for the exact rerank (default: the index's default)")
    Boolean storeRaw;
    @Option(names = "--warmup-seconds", defaultValue = "3", description = "untimed searches before timing (default: ${DEFAULT-VALUE})")
    double warmupSeconds;
    @Option(names = "--rotation", defaultValue = "fht_kac", description = "fht_kac or haar_dense (default: ${DEFAULT-VALUE})")
    String rotationName;
    private long warmupNanos;

    @Override
    public Integer call() {
        if (k < 1 || k > TRUTH_K || threads < 1) {
            throw new ParameterException(spec.commandLine(), "need 1 <= --k <= " + TRUTH_K + " and --threads >= 1");
        }
        if (base != null && queryFile == null) {
            throw new ParameterException(spec.commandLine(), "--base needs --query-file");
        }
        Metric metric = Metric.parse(metricName);
        io.rabitq.core.RotationKind rotation = io.rabitq.core.RotationKind.valueOf(rotationName.toUpperCase(java.util.Locale.ROOT));
        warmupNanos = (long) (1e9 * warmupSeconds);
        Dataset data;
        int[] truth;
        int truthK;
        try {
            if (base != null) {
                data = loadFiles(base, queryFile, nq);
            } else {
                data = ClusteredGaussian.generate(n, nq, dim, seed);
            }
            if (gtFile != null) {
                VecsIO.Matrix<int[]> gt = VecsIO.readIvecs(Path.of(gtFile), data.queryCount());
                truth = gt.data();
                truthK = gt.dim();
            } else {
                long t0 = System.nanoTime();
                truth = GroundTruth.compute(data.base(), data.queries(), data.dim(), TRUTH_K, metric.shortName());
                truthK = Math.min(TRUTH_K, data.size());
                System.err.printf("ground truth: exact top-%d of %d queries in %.1f s%n", truthK, data.queryCount(), (System.nanoTime() - t0) / 1e9);
            }
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        long[] truthIds = new long[truth.length];
        for (int i = 0; i < truth.length; i++) {
            truthIds[i] = truth[i];
        }
        String datasetName = base != null ? Path.of(base).getFileName().toString() : data.name();
        System.err.printf("dataset %s: n=%d dim=%d queries=%d k=%d threads=%d kernel=%s java=%s%n", datasetName,
                data.size(), data.dim(), data.queryCount(), k, threads, Kernels.scan().name(), System.getProperty("java.version"));

        RabitqOptions options = RabitqOptions.defaults().withSeed(seed).withMetric(metric).withNlist(nlist).withRotation(rotation).withCodeBits(codeBits)
                .withBits(bits);
        int d = data.dim();
        Map<String, Supplier<Run>> runs = new LinkedHashMap<>();
        boolean all = variants.equals("all");
        List<String> wanted = List.of(variants.split(","));
        if (all || wanted.contains("flat")) {
            runs.put("FlatIndex", () -> new Run("FlatIndex", Map.of(), new FlatIndex(d, metric)));
        }
        if (all || wanted.contains("rabitq")) {
            runs.put("RabitqIndex", () -> new Run("RabitqIndex", Map.of("bits", bits), new RabitqIndex(d, options)));
        }
        if (all || wanted.contains("plus")) {
            for (int rf : new int[] {5, 20}) {
                runs.put("RabitqPlusIndex" + rf, () -> new Run("RabitqPlusIndex", Map.of("rerank_factor", rf), new RabitqPlusIndex(d, options, rf)));
            }
        }
        if (all || wanted.contains("asym")) {
            for (int rf : new int[] {1, 5}) {
                runs.put("RabitqAsymIndex" + rf, () -> new Run("RabitqAsymIndex", Map.of("rerank_factor", rf), new RabitqAsymIndex(d, options, rf)));
            }
        }
        List<Run> results = new ArrayList<>();
        for (Supplier<Run> s : runs.values()) {
            results.add(measure(s.get(), data, truthIds, truthK, k, threads));
        }
        if (all || wanted.contains("ivf")) {
            IvfRabitqIndex ivf = new IvfRabitqIndex(d, options);
            if (storeRaw != null) {
                ivf.storeRaw(storeRaw);
            }
            Run first = null;
            List<Integer> probes = new ArrayList<>();
            probes.add(0);
            probes.addAll(nprobes);
            List<Double> targets = new ArrayList<>(java.util.Collections.nCopies(probes.size(), (Double) null));
            for (double r : recalls) {
                probes.add(-1); // resolved once the index is built
                targets.add(r);
            }
            for (int i = 0; i < probes.size(); i++) {
                int p = probes.get(i);
                ivf.setNprobe(p >= 0 ? p : ivf.nprobeFor(targets.get(i)));
                Run r = new Run("IvfRabitqIndex", null, ivf);
                if (first != null) {
                    r.buildSeconds = first.buildSeconds;
                    r.built = true;
                }
                measure(r, data, truthIds, truthK, k, threads);
                r.params = new LinkedHashMap<>();
                r.params.put("nlist", ivf.nlist());
                r.params.put("nprobe", ivf.nprobe());
                r.params.put("bits", ivf.bits());
                r.params.put("raw", ivf.hasRawVectors());
                r.params.put("default_nprobe", p == 0);
                if (targets.get(i) != null) {
                    r.params.put("recall_target", targets.get(i));
                }
                results.add(r);
                if (first == null) {
                    first = r;
                }
            }
        }
        results.stream().filter(r -> r.idx instanceof IvfRabitqIndex).findFirst()
                .flatMap(r -> ((IvfRabitqIndex) r.idx).recallCurve())
                .ifPresent(c -> System.err.println("IVF recall curve measured at build (recall@10 by nprobe): " + c.format()));
        printTable(results, System.err);
        json(datasetName, data, results).print();
        return 0;
    }

    private static Dataset loadFiles(String base, String queryFile, int nq) throws IOException {
        VecsIO.Matrix<float[]> b = base.endsWith(".bvecs") ? VecsIO.readBvecs(Path.of(base), -1) : VecsIO.readFvecs(Path.of(base), -1);
        VecsIO.Matrix<float[]> q = queryFile.endsWith(".bvecs") ? VecsIO.readBvecs(Path.of(queryFile), nq) : VecsIO.readFvecs(Path.of(queryFile), nq);
        if (b.dim() != q.dim()) {
            throw new IOException("base has dimension " + b.dim() + " but queries have " + q.dim());
        }
        return new Dataset(Path.of(base).getFileName().toString(), b.dim(), b.data(), q.data());
    }

    /** One benchmark row. */
    static final class Run {
        final String index;
        Map<String, Object> params;
        final AnnIndex idx;
        double buildSeconds;
        boolean built;
        double r1;
        double r10;
        double r100;
        double qps;
        double bytesPerVector;
        double reranked;

        Run(String index, Map<String, Object> params, AnnIndex idx) {
            this.index = index;
            this.params = params;
            this.idx = idx;
        }
    }

    private Run measure(Run r, Dataset data, long[] truth, int truthK, int k, int threads) {
        int n = data.size();
        int d = data.dim();
        if (!r.built) {
            long t0 = System.nanoTime();
            float[] base = data.base();
            for (int i = 0; i < n; i++) {
                r.idx.add(i, java.util.Arrays.copyOfRange(base, i * d, (i + 1) * d));
            }
            r.idx.build();
            r.buildSeconds = (System.nanoTime() - t0) / 1e9;
        }
        float[][] queries = data.queryRows();
        Neighbor[][] deep = searchAll(r.idx, queries, Math.min(truthK, n), threads);
        Neighbor[][] res = null;
        List<Double> times = new ArrayList<>();
        long started = System.nanoTime();
        // warm up until the JIT settles (>= 3 s of searching), then time 3 passes and report the median
        while (System.nanoTime() - started < warmupNanos) {
            searchAll(r.idx, queries, k, threads);
        }
        QuantizedIndex.SearchStats before = r.idx instanceof QuantizedIndex q ? q.searchStats() : null;
        for (int pass = 0; pass < TIMED_PASSES; pass++) {
            long t0 = System.nanoTime();
            res = searchAll(r.idx, queries, k, threads);
            times.add((System.nanoTime() - t0) / 1e9);
        }
        if (before != null) {
            r.reranked = ((QuantizedIndex) r.idx).searchStats().rerankedPerQuerySince(before);
        }
        java.util.Collections.sort(times);
        r.qps = queries.length / times.get(TIMED_PASSES / 2);
        r.r1 = recall(truth, truthK, res, 1);
        r.r10 = recall(truth, truthK, res, Math.min(10, k));
        r.r100 = recall(truth, truthK, deep, truthK);
        r.bytesPerVector = (double) r.idx.memoryBytes() / n;
        System.err.printf("  %-16s %-40s recall@10=%.4f qps=%.0f reranked/query=%.1f%n", r.index, r.params, r.r10, r.qps, r.reranked);
        return r;
    }

    private static double recall(long[] truth, int truthK, Neighbor[][] res, int k) {
        long[][] ids = new long[res.length][];
        for (int i = 0; i < res.length; i++) {
            ids[i] = java.util.Arrays.stream(res[i]).mapToLong(Neighbor::id).toArray();
        }
        return io.rabitq.datasets.Recall.atK(truth, truthK, ids, Math.min(k, truthK));
    }

    static Neighbor[][] searchAll(AnnIndex idx, float[][] queries, int k, int threads) {
        if (threads == 1) {
            return idx.searchBatch(queries, k);
        }
        Neighbor[][] out = new Neighbor[queries.length][];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            int chunk = (queries.length + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                int from = t * chunk;
                int to = Math.min(queries.length, from + chunk);
                if (from >= to) {
                    continue;
                }
                fs.add(pool.submit(() -> {
                    Neighbor[][] part = idx.searchBatch(java.util.Arrays.copyOfRange(queries, from, to), k);
                    System.arraycopy(part, 0, out, from, part.length);
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdown();
        }
        return out;
    }

    private static void printTable(List<Run> runs, java.io.PrintStream out) {
        out.printf("%n%-16s %-44s %9s %9s %9s %10s %9s %9s%n", "index", "params", "recall@1", "recall@10", "recall@100", "qps", "build_s", "bytes/vec");
        for (Run r : runs) {
            out.printf("%-16s %-44s %9.4f %9.4f %10.4f %10.0f %9.2f %9.1f%n", r.index, r.params, r.r1, r.r10, r.r100, r.qps, r.buildSeconds, r.bytesPerVector);
        }
    }

    private Json json(String dataset, Dataset data, List<Run> runs) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", r.index);
            row.put("params", r.params);
            row.put("recall_at_1", Json.round(r.r1, 4));
            row.put("recall_at_10", Json.round(r.r10, 4));
            row.put("recall_at_100", Json.round(r.r100, 4));
            row.put("qps", Json.round(r.qps, 1));
            row.put("build_seconds", Json.round(r.buildSeconds, 3));
            row.put("bytes_per_vector", Json.round(r.bytesPerVector, 1));
            row.put("reranked_per_query", Json.round(r.reranked, 1));
            rows.add(row);
        }
        return new Json().put("dataset", dataset).put("n", data.size()).put("dim", data.dim()).put("queries", data.queryCount())
                .put("k", k).put("threads", threads).put("kernel", Kernels.scan().name()).put("java", System.getProperty("java.version"))
                .put("results", rows);
    }
}
