package io.rabitq.core;

/**
 * A query prepared for one cluster: its rotated residual quantized to {@value #BITS}-bit integers {@code qu} with
 * {@code residual ~= delta * qu + low}, plus the per-(query, cluster) scalars of the estimator. The kernel's
 * own encoding (bit planes or FastScan lookup tables) is written by {@link ScanKernel#encode}. Mutable scratch,
 * reused across clusters by one thread.
 */
final class QueryCode {
    /** The float rotated residual {@code R(q - c)} of the cluster being scanned. */
    final float[] residual;
    /** Bits per quantized query component. */
    public static final int BITS = 5;
    /** Largest quantized component, {@code 2^BITS - 1}. */
    public static final int MAX_LEVEL = (1 << BITS) - 1;

    /**
     * Quantized residual, one value in [0, {@link #MAX_LEVEL}] per padded dimension, plus 48 bytes of slack so the
     * vector kernel can load 64 bytes at every 16-dimension row.
     */
    final byte[] qu;
    /** Bit planes for the scalar kernel: word w of plane j at {@code planes[BITS * w + j]}. */
    final long[] planes;
    /** FastScan lookup tables for the vector kernel: 64 bytes per 16 dimensions. */
    final byte[] lut;
    /** Scratch for the residual's smallest and largest component. */
    final float[] range = new float[2];
    /** Lower end of the quantization range. */
    float low;
    /** Multiplier of the integer inner product in the estimator: {@code 2 * delta}. */
    float ipScale;
    /** Constant added to the scaled inner product: {@code -delta * sum(qu)}. */
    float ipBias;
    /** Per-cluster additive term: {@code ||q - c||^2} (L2) or {@code -<q, c>} (inner product). */
    float clusterTerm;
    /** Multiplier of each vector's error factor: {@code ||q - c||}, or 0 to rank by the estimate alone. */
    float errorScale;
    /**
     * Multiplier of {@code |fIp|} bounding the query rounding error: {@code ε0 sqrt(P) Δ / 2}, or 0 when
     * bounds are off.
     */
    float roundingScale;

    QueryCode(int paddedDim) {
        residual = new float[paddedDim];
        qu = new byte[paddedDim + 48];
        planes = new long[paddedDim / 64 * BITS];
        lut = new byte[paddedDim * 4];
    }
}
