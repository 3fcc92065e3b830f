package io.rabitq.bench;

import java.util.List;

/** Writes {@code docs/SCALING.md}: the measured scale curve, fitted power laws and a projection to 10^9 vectors. */
final class ScalingReport {
    /** Projection assumptions, stated in the report. */
    static final long BILLION = 1_000_000_000L;
    static final int EXECUTORS = 32;
    static final int CORES_PER_EXECUTOR = 8;
    static final int EXECUTOR_HEAP_GB = 48;
    /** Share of an executor heap the JVM-wide index cache may hold (ExecutorIndexCache: half the heap). */
    static final double CACHE_SHARE = 0.5;
    /** Parallel efficiency assumed for the distributed build (assignment and quantization are per row). */
    static final double BUILD_EFFICIENCY = 0.7;
    /**
     * searchBatch throughput per core relative to one single-process thread when the bundle is split into shards, as
     * bench-spark measures it with one shard per bundle partition (docs/BENCHMARKS-spark.md).
     */
    static final double SPARK_PER_CORE = 0.28;
    /** The default {@code spark.rabitq.search.shardBytes}: index bytes per search shard. */
    static final long SHARD_BYTES = 1L << 30;

    private ScalingReport() {
    }

    /** Least-squares slope and intercept of log(y) against log(n): y ≈ e^intercept · n^slope. */
    record PowerLaw(double exponent, double logFactor) {
        double at(double n) {
            return Math.exp(logFactor + exponent * Math.log(n));
        }

        static PowerLaw fit(double[] n, double[] y) {
            double mx = 0;
            double my = 0;
            for (int i = 0; i < n.length; i++) {
                mx += Math.log(n[i]) / n.length;
                my += Math.log(y[i]) / n.length;
            }
            double sxy = 0;
            double sxx = 0;
            for (int i = 0; i < n.length; i++) {
                sxy += (Math.log(n[i]) - mx) * (Math.log(y[i]) - my);
                sxx += (Math.log(n[i]) - mx) * (Math.log(n[i]) - mx);
            }
            double slope = sxx == 0 ? 1 : sxy / sxx;
            return new PowerLaw(slope, my - slope * mx);
        }
    }

    static String markdown(List<ScaleCurve.Point> points, int dim, int queries, double target, String command) {
        double[] n = points.stream().mapToDouble(ScaleCurve.Point::n).toArray();
        PowerLaw build = PowerLaw.fit(n, points.stream().mapToDouble(ScaleCurve.Point::buildSeconds).toArray());
        PowerLaw search = PowerLaw.fit(n, points.stream().mapToDouble(ScaleCurve.Point::searchMillis).toArray());
        PowerLaw held = PowerLaw.fit(n, points.stream().mapToDouble(p -> (double) p.heldBytes()).toArray());
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder sb = new StringBuilder();
        sb.append("# Scaling\n\nWritten by `").append(command).append("` (").append(Report.machine()).append(").\n\n");
        sb.append("Synthetic clustered data (100 Gaussian clusters, σ 0.6, D = ").append(dim)
                .append("), streamed from a seed so it is never held twice; ").append(queries)
                .append(" queries; recall@10 against an exact scan of the same stream. Build = adding the rows + k-means on a")
                .append(" sample + assigning and quantizing every row (all ").append(cores)
                .append(" cores). Search = single-query searches on one thread at the smallest nprobe reaching recall@10 ≥ ")
                .append(target).append(". Held heap = used heap after a GC once built, minus before; the peak is sampled every")
                .append(" 20 ms and includes garbage not yet collected.\n\n");
        sb.append("| n | nlist | build s | peak used heap while building (MB, sampled) | held heap (MB) | bytes/vector | nprobe | recall@10 | QPS (1 thread) | ms/query |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (ScaleCurve.Point p : points) {
            sb.append(String.format("| %,d | %d | %.1f | %,d | %,d | %.0f | %d | %.4f | %.0f | %.3f |%n", p.n(), p.nlist(),
                    p.buildSeconds(), p.peakHeapBytes() >> 20, p.heldBytes() >> 20, p.bytesPerVector(), p.nprobe(),
                    p.recall10(), p.qps(), p.searchMillis()));
        }
        sb.append(String.format("%nFitted growth (least squares on log–log): build time ∝ n^%.2f, search time per query ∝ n^%.2f, "
                + "held heap ∝ n^%.2f.%n", build.exponent(), search.exponent(), held.exponent()));
        sb.append("\nWhy: the default nlist is 4√n (capped at n/100 below 160,000 rows), so assigning a row costs O(√n) centroid distances (build ∝ n^1.5 at most;"
                + " k-means trains on a sample of 32 rows per centroid); a query probes nprobe of the √n clusters, each of"
                + " ~√n/4 rows (search ∝ √n when nprobe stays flat); memory is per row (∝ n).\n");
        appendProjection(sb, build, search, points.get(points.size() - 1), cores);
        return sb.toString();
    }

    private static void appendProjection(StringBuilder sb, PowerLaw build, PowerLaw search, ScaleCurve.Point last, int cores) {
        int clusterCores = EXECUTORS * CORES_PER_EXECUTOR;
        double bytes = last.bytesPerVector() * BILLION;
        double cacheBytes = (double) EXECUTORS * EXECUTOR_HEAP_GB * CACHE_SHARE * (1L << 30);
        // Assigning a row costs nlist = 4√n centroid distances, so a build grows at most as n^1.5 from the largest measured n.
        double fittedCoreHours = build.at(BILLION) * cores / 3600;
        double modelCoreHours = last.buildSeconds() * cores * Math.pow((double) BILLION / last.n(), 1.5) / 3600;
        double buildCoreHours = Math.max(fittedCoreHours, modelCoreHours);
        double buildHours = buildCoreHours / (clusterCores * BUILD_EFFICIENCY);
        double singleCoreQps = 1000 / search.at(BILLION);
        double clusterQps = singleCoreQps * clusterCores * SPARK_PER_CORE;
        sb.append("\n## Projection to 1,000,000,000 × D on a cluster\n\n");
        sb.append(String.format("Cluster assumed: %d executors × %d cores, %d GB heap each (spark.executor.memory), %,d bundle"
                + " partitions (one per core, the `index` default).%n%n", EXECUTORS, CORES_PER_EXECUTOR, EXECUTOR_HEAP_GB,
                clusterCores));
        sb.append(String.format("- **Memory**: %.0f bytes/vector (measured at %,d, flat in n) → %.0f GB of index for 10⁹ vectors;"
                + " the executors' index caches (half of each heap) hold %.0f GB, so %s.%n", last.bytesPerVector(), last.n(),
                bytes / (1L << 30), cacheBytes / (1L << 30), bytes <= cacheBytes ? "the whole index stays resident"
                        : String.format("%.0f executors of this size are needed to keep it resident",
                        Math.ceil(bytes / (EXECUTOR_HEAP_GB * CACHE_SHARE * (1L << 30))))));
        sb.append(String.format("- **Build**: %.0f core-hours at 10⁹ by the fitted law, %.0f by the cost model of the default nlist"
                + " (assignment ∝ n·√n from the largest measured n; this machine's build used %d cores); planning with the"
                + " larger, spread over %d cores at %.0f%% efficiency: **%.1f hours**. This assumes the k-means training (a"
                + " sample of 32 rows per centroid, nlist ≈ %,d at 10⁹) spreads like the rest; in the Spark jobs it runs on the"
                + " driver, so pass a smaller --nlist or train on a larger driver.%n", fittedCoreHours, modelCoreHours, cores,
                clusterCores, BUILD_EFFICIENCY * 100, buildHours, Math.round(4 * Math.sqrt(BILLION))));
        sb.append(String.format("- **Search**: the fitted law gives %.1f ms per query per core at 10⁹ (%.0f QPS on one core)."
                + " %.0f GB does not fit one task, so searchBatch splits the bundle into shards (`spark.rabitq.search.shardBytes`,"
                + " default 1g: %,d shards); each query is searched in every shard with the shard's own gate, and a"
                + " merge keeps the k best. At %.2f× single-process throughput per core, the sharded path's rate in"
                + " `bin/spark-rabitq bench-spark` (docs/BENCHMARKS-spark.md), %d cores answer about **%,.0f queries/s** in"
                + " large batches.%n", search.at(BILLION), singleCoreQps, bytes / (1L << 30), (long) Math.ceil(bytes / SHARD_BYTES),
                SPARK_PER_CORE, clusterCores, clusterQps));
        sb.append("\nAssumptions that would change these numbers: the data's cluster structure (real embeddings need a larger nprobe"
                + " than 100 well-separated Gaussian clusters at the same recall), D (costs grow about linearly in D), network and"
                + " disk not being the bottleneck when bundles are first loaded, and extrapolation two orders of magnitude past the"
                + " largest measured n.\n");
    }
}
