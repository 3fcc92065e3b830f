package io.rabitq.core;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of one scan of {@link #VECTORS} codes (clusters of {@link #CLUSTER}) against a batch of queries, scalar and
 * Vector API kernels (512-, 256- and 128-bit) side by side, each query keeping its 100 best estimates. Score = scans per second; the
 * report ({@link KernelReport}) converts it to vector·queries per second. The Vector API kernel needs about
 * seven seconds of JIT warm-up before it is steady, hence eight warm-up iterations. Lives in {@code io.rabitq.core}
 * because the kernel's code and query types are package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"--add-modules=jdk.incubator.vector", "-Xms4g", "-Xmx4g"}) // -jvmArgsAppend adds to these
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
public class ScanKernelBenchmark {
    /** Vectors per operation. */
    public static final int VECTORS = 1 << 18;
    /**
     * Vectors per cluster: an operation scans {@code VECTORS / CLUSTER} clusters, so the kernel is called as often as in
     * a search and compiled the normal way (one call over all vectors runs on on-stack replacement, whose speed varied
     * 7-fold between iterations).
     */
    public static final int CLUSTER = 1024;

    @Param({"128", "784", "960"})
    public int dim;

    @Param({"1", "16", "64"})
    public int queries;

    /** {@code scalar} or {@code vector-W}: the Vector API kernel at W = 512, 256 or 128 bits (one JVM fork each). */
    @Param({"scalar", "vector-512", "vector-256", "vector-128"})
    public String kernel;

    private ScanKernel scanKernel;
    private ClusterCodes[] clusters;
    private QueryCode[] codesOfQueries;
    private TopSink[] sinks;

    /** Keeps the 100 smallest estimates, like a search with k = 100 and no rerank. */
    static final class TopSink implements CandidateSink {
        final TopK top = new TopK(100);

        @Override
        public float threshold() {
            return top.threshold();
        }

        @Override
        public void offer(int row, float estimate, float lowerBound) {
            top.offer(estimate, row);
        }
    }

    @Setup
    public void setup() {
        if (kernel.startsWith("vector-")) { // each fork is a fresh JVM: the width is set before the kernel class loads
            System.setProperty(Kernels.SIMD_BITS_PROPERTY, kernel.substring("vector-".length()));
        }
        scanKernel = kernel.equals("scalar") ? Kernels.scalar() : Kernels.vector();
        if (!scanKernel.name().equals(kernel)) {
            throw new IllegalStateException("asked for kernel " + kernel + ", got " + scanKernel.name());
        }
        Random r = new Random(1);
        Rotation rotation = Rotation.create(RotationKind.FHT_KAC, 1, dim);
        RabitqQuantizer quantizer = new RabitqQuantizer(rotation, false, false);
        float[] vectors = new float[VECTORS * dim];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = (float) r.nextGaussian();
        }
        clusters = new ClusterCodes[VECTORS / CLUSTER];
        for (int c = 0; c < clusters.length; c++) {
            long[] ids = new long[CLUSTER];
            for (int i = 0; i < CLUSTER; i++) {
                ids[i] = (long) c * CLUSTER + i;
            }
            float[] rows = java.util.Arrays.copyOfRange(vectors, c * CLUSTER * dim, (c + 1) * CLUSTER * dim);
            clusters[c] = quantizer.encode(new float[dim], ids, rows, 1, false, scanKernel.needsPackedCodes());
        }
        int pdim = rotation.paddedDim();
        float[] zero = new float[pdim];
        codesOfQueries = new QueryCode[queries];
        sinks = new TopSink[queries];
        for (int j = 0; j < queries; j++) {
            float[] q = new float[dim];
            for (int d = 0; d < dim; d++) {
                q[d] = (float) r.nextGaussian();
            }
            float[] rq = new float[pdim];
            rotation.rotate(q, rq);
            codesOfQueries[j] = new QueryCode(pdim);
            quantizer.prepare(rq, zero, false, codesOfQueries[j], scanKernel);
        }
    }

    @Benchmark
    public int scan() {
        for (int j = 0; j < queries; j++) {
            sinks[j] = new TopSink();
        }
        for (ClusterCodes c : clusters) {
            scanKernel.scan(c, codesOfQueries, sinks, queries);
        }
        return sinks[0].top.size();
    }
}
