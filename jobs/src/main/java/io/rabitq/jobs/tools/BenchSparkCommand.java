package io.rabitq.jobs.tools;

import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Metric;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.Recall;
import io.rabitq.jobs.Json;
import io.rabitq.jobs.Phases;
import io.rabitq.jobs.Sessions;
import io.rabitq.lake.IndexBundles;
import io.rabitq.spark.ExactSearch;
import io.rabitq.spark.RabitqIndexer;
import io.rabitq.spark.RabitqModel;
import io.rabitq.spark.RabitqSearch;
import io.rabitq.spark.SyntheticVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSH;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSHModel;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-spark}: on one Spark session, {@code searchBatch} of a bundle against exact distributed brute force
 * and MLlib's {@code BucketedRandomProjectionLSH} (Spark's built-in ANN), on the same queries, plus the
 * single-process index over the same bundle for the Spark overhead. Writes {@code docs/BENCHMARKS-spark.md}.
 */
@Command(name = "bench-spark", sortOptions = false,
        description = "searchBatch vs exact distributed brute force vs MLlib LSH; writes docs/BENCHMARKS-spark.md.")
final class BenchSparkCommand implements Callable<Integer> {
    @Option(names = "--n", defaultValue = "100000", description = "vectors (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--dim", defaultValue = "128", description = "dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--queries", defaultValue = "10000", description = "queries for searchBatch and exact (default: ${DEFAULT-VALUE})")
    int nq;
    @Option(names = "--lsh-queries", defaultValue = "10", description = "queries for MLlib LSH, one job each (default: ${DEFAULT-VALUE})")
    int lshQueries;
    @Option(names = "--partitions", description = "bundle partitions (default: the cores)")
    Integer partitions;
    @Option(names = "--out", defaultValue = "docs", description = "report directory (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--dir", defaultValue = ".rabitq/bench-spark", description = "working directory (default: ${DEFAULT-VALUE})")
    Path dirArg;

    @Override
    public Integer call() throws IOException {
        Path dir = dirArg.toAbsolutePath();
        long seed = 42;
        int k = 10;
        SparkSession spark = Sessions.get("spark-rabitq bench-spark");
        try {
            int cores = spark.sparkContext().defaultParallelism();
            Dataset<Row> base = SyntheticVectors.generate(spark, 0, n, dim, seed, cores).cache();
            base.count();
            Dataset<Row> queries = SyntheticVectors.generate(spark, n, n + nq, dim, seed, cores).toDF("query_id", "query").cache();
            queries.count();
            int[] truth = truth(n, nq, dim, seed, k);

            long t0 = System.nanoTime();
            RabitqModel model = new RabitqIndexer().setIdCol("id").setInputCol("vector").setSeed(seed).fit(base);
            String bundle = dir.resolve("bundle").toString();
            Manifest m = model.index(base, bundle, partitions != null ? partitions : cores, new IndexBundles.Source("synthetic", "0", Map.of()));
            io.rabitq.bundle.Bundles.retain(dir.resolve("bundle"), 2);
            double indexSeconds = Phases.seconds(t0);
            double searchRecall = recall(RabitqSearch.searchBatch(queries, "query_id", "query", bundle, k, 0).collectAsList(), truth, n, k, nq);
            spark.conf().set(RabitqSearch.SHARD_BYTES_CONF, "1"); // one shard per bundle partition: the fan-out and merge path
            double shardedSeconds = Phases.medianSeconds(5, () -> RabitqSearch.searchBatch(queries, "query_id", "query", bundle, k, 0)
                    .collectAsList());
            double shardedRecall = recall(RabitqSearch.searchBatch(queries, "query_id", "query", bundle, k, 0).collectAsList(), truth, n, k, nq);
            spark.conf().unset(RabitqSearch.SHARD_BYTES_CONF);
            double exactSeconds = Phases.medianSeconds(3, () -> ExactSearch.searchBatch(base, "id", "vector", queries, "query_id", "query", Metric.L2, k)
                    .collectAsList());

            QuantizedIndex single = IndexBundles.load(Path.of(bundle));
            float[][] qv = new float[nq][];
            for (int i = 0; i < nq; i++) {
                qv[i] = floats(SyntheticVectors.row(n + i, dim, seed));
            }
            // searchBatch and the single-process index (one thread) timed in pairs, so that both see the same moment of
            // a shared machine: the per-core ratio is the median of the pairs' ratios
            double[][] paired = pairedSeconds(PAIRS, () -> RabitqSearch.searchBatch(queries, "query_id", "query", bundle, k, 0).collectAsList(),
                    () -> single.searchBatch(qv, k));
            double searchSeconds = median(paired[0]);
            double singleSeconds = median(paired[1]);
            double[] perCore = new double[PAIRS];
            for (int i = 0; i < PAIRS; i++) {
                perCore[i] = paired[1][i] / (cores * paired[0][i]);
            }
            Phases.line("searchBatch %.0f QPS (recall@10 %.4f), one shard per partition %.0f QPS (%.4f), exact %.0f QPS, single process 1 thread "
                    + "%.0f QPS", t0, nq / searchSeconds, searchRecall, nq / shardedSeconds, shardedRecall, nq / exactSeconds, nq / singleSeconds);

            Dataset<Row> lshBase = base.select(base.col("id"), org.apache.spark.ml.functions.array_to_vector(base.col("vector")).as("features")).cache();
            lshBase.count();
            List<String[]> lshRows = new ArrayList<>();
            double bestLshRecall = -1;
            double bestLshQps = 0;
            for (double[] p : new double[][] {{2, 4}, {4, 8}, {8, 8}}) {
                BucketedRandomProjectionLSHModel lsh = new BucketedRandomProjectionLSH().setInputCol("features").setOutputCol("hashes")
                        .setBucketLength(p[0]).setNumHashTables((int) p[1]).setSeed(seed).fit(lshBase);
                Dataset<Row> hashed = lsh.transform(lshBase).cache();
                hashed.count();
                long l0 = System.nanoTime();
                long[][] found = new long[lshQueries][];
                for (int q = 0; q < lshQueries; q++) {
                    found[q] = lsh.approxNearestNeighbors(hashed, Vectors.dense(toDoubles(qv[q])), k).select("id").collectAsList()
                            .stream().mapToLong(r -> r.getLong(0)).toArray();
                }
                double qps = lshQueries / Phases.seconds(l0);
                double r = Recall.atK(truth, k, found, k);
                lshRows.add(new String[] {"bucketLength " + p[0] + ", numHashTables " + (int) p[1], String.format("%.4f", r), String.format("%.2f", qps)});
                if (r > bestLshRecall || (r == bestLshRecall && qps > bestLshQps)) {
                    bestLshRecall = r;
                    bestLshQps = qps;
                }
                hashed.unpersist();
                System.err.printf("MLlib LSH %s: recall@10 %.4f, %.2f QPS%n", lshRows.get(lshRows.size() - 1)[0], r, qps);
            }

            String cmd = String.format("bin/spark-rabitq bench-spark --n %d --dim %d --queries %d --lsh-queries %d%s", n, dim, nq, lshQueries,
                    partitions != null ? " --partitions " + partitions : "");
            StringBuilder md = new StringBuilder("# Spark benchmarks\n\n");
            md.append("`").append(cmd).append("` on `").append(spark.sparkContext().master()).append("` (").append(cores)
                    .append(" cores), synthetic vectors n = ").append(n).append(", D = ").append(dim).append(", k = 10; ")
                    .append(nq).append(" queries (a DataFrame of ").append(cores).append(" partitions) for searchBatch and exact, the first ").append(lshQueries)
                    .append(" of them for LSH (one Spark job per query, as `approxNearestNeighbors` works). Index: ")
                    .append(m.nlist()).append(" clusters in ").append(m.partitions().size()).append(" bundle partitions, built in ")
                    .append(String.format("%.1f", indexSeconds)).append(" s. Times are medians of runs after a GC and a 3 s warm-up; ")
                    .append("searchBatch and the single-process index are timed in ").append(PAIRS)
                    .append(" pairs (alternating which runs first), and the per-core ratio is the median of the pairs' ratios.\n\n");
            md.append("| engine | params | recall@10 | QPS |\n|---|---|---|---|\n");
            md.append(String.format("| spark-rabitq searchBatch | default nprobe | %.4f | %.0f |%n", searchRecall, nq / searchSeconds));
            md.append(String.format("| spark-rabitq searchBatch, one shard per bundle partition (`%s=1`) | default nprobe | %.4f | %.0f |%n",
                    RabitqSearch.SHARD_BYTES_CONF, shardedRecall, nq / shardedSeconds));
            md.append(String.format("| exact distributed brute force (ExactSearch) | | 1.0000 | %.0f |%n", nq / exactSeconds));
            for (String[] r : lshRows) {
                md.append("| MLlib BucketedRandomProjectionLSH | ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" |\n");
            }
            md.append(String.format("| single-process IvfRabitqIndex over the same bundle, 1 thread | default nprobe | | %.0f |%n", nq / singleSeconds));
            md.append(String.format("%nsearchBatch vs MLlib LSH at its best recall (%.4f): **%.0f×** the throughput. searchBatch per core vs the "
                            + "single-process index on one thread: **%.2f×** (median of %d pairs, range %.2f–%.2f; one shard per bundle "
                            + "partition: %.2f× against the pairs' median single-process time).%n", bestLshRecall,
                    (nq / searchSeconds) / bestLshQps, median(perCore), PAIRS, min(perCore), max(perCore),
                    (nq / shardedSeconds / cores) / (nq / singleSeconds)));
            Files.createDirectories(out);
            Files.writeString(out.resolve("BENCHMARKS-spark.md"), md.toString());
            new Json().put("search_qps", Json.round(nq / searchSeconds, 1)).put("search_recall", Json.round(searchRecall, 4))
                    .put("sharded_qps", Json.round(nq / shardedSeconds, 1)).put("sharded_recall", Json.round(shardedRecall, 4))
                    .put("exact_qps", Json.round(nq / exactSeconds, 1)).put("single_qps", Json.round(nq / singleSeconds, 1))
                    .put("lsh_best_recall", Json.round(bestLshRecall, 4)).put("lsh_best_qps", Json.round(bestLshQps, 3)).put("cores", cores)
                    .put("per_core_ratio", Json.round(median(perCore), 3)).put("per_core_ratio_min", Json.round(min(perCore), 3))
                    .put("per_core_ratio_max", Json.round(max(perCore), 3)).put("bundle_partitions", m.partitions().size())
                    .print();
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Timed pairs of searchBatch and the single-process search. */
    private static final int PAIRS = 7;

    /**
     * Warms both actions up, then times them {@code pairs} times each, back to back, alternating which runs first:
     * {@code [0]} the first action's seconds, {@code [1]} the second's, pair by pair.
     */
    private static double[][] pairedSeconds(int pairs, Runnable first, Runnable second) {
        Phases.medianSeconds(1, first);
        Phases.medianSeconds(1, second);
        double[][] t = new double[2][pairs];
        for (int i = 0; i < pairs; i++) {
            Runnable[] order = i % 2 == 0 ? new Runnable[] {first, second} : new Runnable[] {second, first};
            for (Runnable r : order) {
                long t0 = System.nanoTime();
                r.run();
                t[r == first ? 0 : 1][i] = Phases.seconds(t0);
            }
        }
        return t;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElseThrow();
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElseThrow();
    }

    private static int[] truth(int n, int nq, int dim, long seed, int k) {
        float[] base = new float[n * dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(floats(SyntheticVectors.row(i, dim, seed)), 0, base, i * dim, dim);
        }
        float[] q = new float[nq * dim];
        for (int i = 0; i < nq; i++) {
            System.arraycopy(floats(SyntheticVectors.row(n + i, dim, seed)), 0, q, i * dim, dim);
        }
        return GroundTruth.compute(base, q, dim, k, "l2");
    }

    /** Recall@k of searchBatch rows whose query ids are {@code n, n + 1, ...}. */
    private static double recall(List<Row> rows, int[] truth, int n, int k, int nq) {
        long[][] found = new long[nq][0];
        for (Row r : rows) {
            found[(int) (r.getLong(0) - n)] = Phases.ids(r.getList(1));
        }
        return Recall.atK(truth, k, found, k);
    }

    private static float[] floats(List<Float> v) {
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    private static double[] toDoubles(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
