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
 * JMH benchmark of one full scan of {@link #VECTORS} codes (one cluster) against a batch of queries, scalar and
 * Vector API kernels side by side, each query keeping its 100 best estimates. Score = scans per second; the
 * report ({@link KernelReport}) converts it to vector·queries per second. The Vector API kernel needs about
 * seven seconds of JIT warm-up before it is steady, hence eight warm-up iterations. Lives in {@code io.rabitq.core}
 * because the kernel's code and query types are package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms4g", "-Xmx4g"})
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
public class ScanKernelBenchmark {
    /** Vectors per scan. */
    public static final int VECTORS = 1 << 18;

    @Param({"128", "784", "960"})
    public int dim;

    @Param({"1", "16", "64"})
    public int queries;

    @Param({"scalar", "vector"})
    public String kernel;

    private ScanKernel scanKernel;
    private ClusterCodes codes;
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
        scanKernel = kernel.equals("vector") ? Kernels.vector() : Kernels.scalar();
        Random r = new Random(1);
        Rotation rotation = Rotation.create(RotationKind.FHT_KAC, 1, dim);
        RabitqQuantizer quantizer = new RabitqQuantizer(rotation, false, false);
        float[] vectors = new float[VECTORS * dim];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = (float) r.nextGaussian();
        }
        long[] ids = new long[VECTORS];
        for (int i = 0; i < VECTORS; i++) {
            ids[i] = i;
        }
        codes = quantizer.encode(new float[dim], ids, vectors, 1, false, scanKernel.needsPackedCodes());
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
        scanKernel.scan(codes, codesOfQueries, sinks, queries);
        return sinks[0].top.size();
    }
}
