package io.rabitq.core;

/**
 * Computes RaBitQ distance estimates for every vector of a cluster against one or more prepared queries.
 *
 * <p>For vector i with factors (fAdd, fIp, fPpc, fErr) and integer inner product {@code ip = <code_i, qu>}
 * the estimate and lower bound are, in exactly this float operation order (so all kernels agree bit for bit):
 * <pre>
 *   t   = fma(ip, ipScale, ipBias)
 *   u   = fma(fPpc, low, fAdd + clusterTerm)
 *   est = fma(fIp, t, u)
 *   lb  = fma(fErr, -errorScale, fma(fIp, roundingScale, est))   // fIp &lt;= 0, so this subtracts
 * </pre>
 * and the sink receives {@code (i, est, lb)} when {@code lb < sink.threshold()}.
 *
 * <p>Implementations: {@link ScalarScanKernel} (bit planes, {@code Long.bitCount}) and a Vector API FastScan
 * kernel; {@link Kernels#scan()} picks one once per JVM.
 */
public interface ScanKernel {

    /** Short name for logs and benchmark tables. */
    String name();

    /** Whether clusters must carry the FastScan layout ({@link ClusterCodes#packed}). */
    boolean needsPackedCodes();

    /** Fills the kernel's query representation from {@code q.qu}. */
    void encode(QueryCode q, int paddedDim);

    /** Scans all vectors of {@code cluster} for {@code n} queries, feeding {@code sinks[j]} for query j. */
    void scan(ClusterCodes cluster, QueryCode[] queries, CandidateSink[] sinks, int n);

    /** Squared L2 distance of {@code a} and {@code b[off, off + a.length)}; all kernels agree bit for bit. */
    float squaredL2(float[] a, float[] b, int off);

    /** Inner product of {@code a} and {@code b[off, off + a.length)}; all kernels agree bit for bit. */
    float dot(float[] a, float[] b, int off);

    /**
     * Inner product of {@code y[0, 64 words)} with a multi-bit code held as bit planes: coordinate i has the integer value
     * {@code u_i = 2^extraPlanes sign_i + sum_j 2^j extra_j,i}, where {@code sign_i} is bit i of
     * {@code signs[signOff, signOff + words)} and {@code extra_j,i} bit i of {@code extra[extraOff + j words, ... + words)}.
     * Summed in one fixed order, so all kernels agree bit for bit: plane by plane (extra planes 0, 1, ..., then the sign
     * plane with weight {@code 2^extraPlanes}), word by word, {@code fma(bit * weight, y_i, acc)} into the two 16-lane
     * accumulators of {@link #dot} (coordinate {@code 32m + l} into the first, {@code 32m + 16 + l} into the second),
     * whose lanes are then added in order.
     */
    float codeDot(long[] signs, int signOff, long[] extra, int extraOff, int extraPlanes, int words, float[] y);

    /**
     * Unnormalized Walsh–Hadamard transform of {@code x[off, off + n)}, {@code n} a power of two: butterflies
     * {@code (a, b) -> (a + b, a - b)} on pairs {@code (j, j + h)} for h = 1, 2, 4, ... Every element sees the same
     * operations in every kernel, so results agree bit for bit.
     */
    void fwht(float[] x, int off, int n);

    /**
     * Scaled butterflies of two disjoint ranges: {@code (x[a + i], x[b + i]) -> ((x[a + i] + x[b + i]) * scale,
     * (x[a + i] - x[b + i]) * scale)} for {@code i < n}.
     */
    void butterflies(float[] x, int a, int b, int n, float scale);

    /** The smallest and largest of {@code x[0, n)} into {@code out[0]} and {@code out[1]}. */
    void range(float[] x, int n, float[] out);

    /**
     * Rounds {@code y[0, n)} to query levels: {@code qu[i] = min(MAX_LEVEL, max(0, (int) ((y[i] - lo) * inv + dither[i])))}
     * (multiply, then add: no fused multiply-add), returning the sum of the levels.
     */
    int quantize(float[] y, int n, float lo, float inv, float[] dither, byte[] qu);

    /**
     * Dot products of {@code rows} (at most 4) consecutive rows of {@code x}, starting at {@code xOff}, with the
     * columns of blocks {@code [b0, b1)} of a {@link CentroidTable} layout: row r times column {@code b * 16 + l}
     * goes to {@code out[outOff + r * columns + b * 16 + l]}, {@code columns = table.length / dim}. Each column accumulates {@code fma(x[d], t, acc)} in ascending d from zero,
     * so all kernels agree bit for bit.
     */
    void blockDots(float[] x, int xOff, int rows, int dim, float[] table, int b0, int b1, float[] out, int outOff);
}
