package io.rabitq.bench;

import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Kernels;
import io.rabitq.core.ScanKernel;
import io.rabitq.core.TopK;
import io.rabitq.datasets.ClusteredGaussian;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * {@code bin/spark-rabitq bench-scale}: how build time, search time and memory of {@link IvfRabitqIndex} grow with
 * n (default 100k, 1M, 10M at D = 128, synthetic clustered data streamed so it is never held twice). Per size:
 * build time (adding + training + quantizing), peak heap while building, heap held after building, and the
 * single-thread QPS of the smallest nprobe that reaches the target recall@10 against an exact scan of the same
 * stream. Fits a power law to each, and writes {@code docs/SCALING.md} with a projection to one billion vectors.
 */
public final class ScaleCurve {
    /** Rows drawn from the stream at a time; the first chunk is also the k-means sample. */
    private static final int CHUNK = 65_536;
    private static final int[] NPROBES = {8, 16, 24, 32, 48, 64, 96, 128, 192, 256};

    private ScaleCurve() {
    }

    /** One measured size. */
    record Point(int n, int nlist, double buildSeconds, long peakHeapBytes, long heldBytes, int nprobe, double recall10,
                 double qps) {
        double bytesPerVector() {
            return heldBytes / (double) n;
        }

        double searchMillis() {
            return 1000 / qps;
        }
    }

    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        List<String> a = Arrays.asList(args);
        int[] sizes = Arrays.stream(PeerSuite.option(a, "--sizes", "100000,1000000,10000000").split(",")).mapToInt(Integer::parseInt).toArray();
        int dim = Integer.parseInt(PeerSuite.option(a, "--dim", "128"));
        int nq = Integer.parseInt(PeerSuite.option(a, "--queries", "1000"));
        double target = Double.parseDouble(PeerSuite.option(a, "--target-recall", "0.95"));
        Path out = Path.of(PeerSuite.option(a, "--out", "docs"));
        long largest = Arrays.stream(sizes).max().orElse(0);
        long needed = heapNeeded(largest, dim);
        if (Runtime.getRuntime().maxMemory() < needed) {
            System.err.printf("error: %,d x %d needs about %d GB of heap to build (codes, ids and the id set, plus 1 GB) "
                    + "but this JVM may use %d GB; run with RABITQ_JAVA_OPTS=-Xmx%dg or smaller --sizes%n", largest, dim,
                    gb(needed), gb(Runtime.getRuntime().maxMemory()), gb(needed) + 2);
            System.exit(1);
        }
        List<Point> points = new ArrayList<>();
        for (int n : sizes) {
            points.add(measure(n, dim, nq, target));
        }
        String command = "bin/spark-rabitq bench-scale" + (args.length == 0 ? "" : " " + String.join(" ", args));
        String report = ScalingReport.markdown(points, dim, nq, target, command);
        Files.createDirectories(out);
        Files.writeString(out.resolve("SCALING.md"), report);
        System.out.println(report);
    }

    /**
     * A streamed, codes-only build holds the 7-bit codes (7/8 byte per padded dimension), factors, ids and the id set
     * (about 60 bytes per vector) plus 1 GB for the training sample, chunks and searches.
     */
    static long heapNeeded(long n, int dim) {
        return n * (dim * 7L / 8 + 60) + (1L << 30);
    }

    private static Point measure(int n, int dim, int nq, double target) {
        ScanKernel kernel = Kernels.scan();
        ClusteredGaussian.Stream stream = new ClusteredGaussian.Stream(dim, 42);
        float[] queries = stream.queries(nq);
        float[][] q = new float[nq][];
        TopK[] truth = new TopK[nq];
        for (int j = 0; j < nq; j++) {
            q[j] = Arrays.copyOfRange(queries, j * dim, (j + 1) * dim);
            truth[j] = new TopK(10);
        }
        long before = PeerSuite.usedHeap();
        HeapSampler sampler = new HeapSampler();
        IvfRabitqIndex index = new IvfRabitqIndex(dim);
        long buildNanos = 0;
        long scanNanos = 0;
        long started = System.nanoTime();
        long lastReport = started;
        for (int first = 0; first < n; first += CHUNK) {
            int rows = Math.min(CHUNK, n - first);
            float[] chunk = stream.next(rows);
            long t0 = System.nanoTime();
            if (first == 0) { // k-means on the first rows, then every row is encoded as it arrives (never held twice)
                float[][] sample = new float[rows][];
                for (int i = 0; i < rows; i++) {
                    sample[i] = Arrays.copyOfRange(chunk, i * dim, (i + 1) * dim);
                }
                index.train(sample, n);
            }
            for (int i = 0; i < rows; i++) {
                index.add(first + i, Arrays.copyOfRange(chunk, i * dim, (i + 1) * dim));
            }
            long t1 = System.nanoTime();
            buildNanos += t1 - t0;
            int base = first;
            IntStream.range(0, nq).parallel().forEach(j -> {
                for (int i = 0; i < rows; i++) {
                    truth[j].offer(kernel.squaredL2(q[j], chunk, i * dim), base + i);
                }
            });
            scanNanos += System.nanoTime() - t1;
            if (System.nanoTime() - lastReport > 10_000_000_000L) {
                lastReport = System.nanoTime();
                System.err.printf("  n %,d: added %,d rows (%.0f s)%n", n, first + rows, (lastReport - started) / 1e9);
            }
        }
        System.err.printf("  n %,d: exact top-10 of %d queries by a scan of the stream in %.1f s; building ...%n", n, nq,
                scanNanos / 1e9);
        long t0 = System.nanoTime();
        index.build();
        buildNanos += System.nanoTime() - t0;
        long peak = sampler.stop() - before;
        long held = PeerSuite.usedHeap() - before;
        int[][] exact = new int[nq][];
        for (int j = 0; j < nq; j++) {
            long[] keys = truth[j].drainKeys(new float[10]);
            exact[j] = Arrays.stream(keys).mapToInt(k -> (int) k).toArray();
        }
        Point p = null;
        for (int nprobe : NPROBES) {
            if (nprobe > index.nlist()) {
                break;
            }
            index.setNprobe(nprobe);
            double[] recallAndQps = searchSingleThread(index, q, exact);
            p = new Point(n, index.nlist(), buildNanos / 1e9, peak, held, nprobe, recallAndQps[0], recallAndQps[1]);
            System.err.printf("  n %,d nprobe %d: recall@10 %.4f, %.0f QPS%n", n, nprobe, p.recall10(), p.qps());
            if (p.recall10() >= target) {
                break;
            }
        }
        System.err.printf("n %,d: build %.1f s, peak heap %d MB, held %.0f B/vector, nprobe %d recall@10 %.4f %.0f QPS%n",
                n, p.buildSeconds(), p.peakHeapBytes() >> 20, p.bytesPerVector(), p.nprobe(), p.recall10(), p.qps());
        return p;
    }

    /** Recall@10 and QPS of single-query searches on this thread: an untimed pass, then at least one second timed. */
    private static double[] searchSingleThread(IvfRabitqIndex index, float[][] q, int[][] exact) {
        long[][] found = new long[q.length][];
        for (int j = 0; j < q.length; j++) {
            found[j] = java.util.Arrays.stream(index.search(q[j], 10)).mapToLong(io.rabitq.core.Neighbor::id).toArray();
        }
        double recall = io.rabitq.datasets.Recall.atK(java.util.Arrays.stream(exact).flatMapToInt(java.util.Arrays::stream).toArray(), 10,
                found, 10);
        long t0 = System.nanoTime();
        long searches = 0;
        do {
            for (float[] query : q) {
                index.search(query, 10);
            }
            searches += q.length;
        } while (System.nanoTime() - t0 < PeerSuite.MIN_TIMED_NANOS);
        return new double[] {recall, searches / ((System.nanoTime() - t0) / 1e9)};
    }

    /** Samples the used heap every 20 ms on a daemon thread; the peak includes garbage not yet collected. */
    private static final class HeapSampler {
        private volatile boolean running = true;
        private volatile long peak;
        private final Thread thread;

        HeapSampler() {
            thread = new Thread(() -> {
                Runtime rt = Runtime.getRuntime();
                while (running) {
                    peak = Math.max(peak, rt.totalMemory() - rt.freeMemory());
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long stop() {
            running = false;
            thread.interrupt();
            return peak;
        }
    }

    private static long gb(long bytes) {
        return (bytes + (1L << 30) - 1) >> 30;
    }
}
