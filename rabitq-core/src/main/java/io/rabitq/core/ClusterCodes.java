package io.rabitq.core;

import java.util.Arrays;
import java.util.List;

/**
 * The quantized vectors of one IVF cluster, in row order: ids, 1-bit codes packed into {@code long} words
 * (bit {@code i % 64} of word {@code i / 64} is 1 iff rotated residual coordinate i is &gt;= 0), four float
 * factors per vector, optional raw vectors for exact rerank and, for the vector kernel, the FastScan layout.
 * With {@code bits > 1} each vector also has its extended code's extra bit planes and three factors
 * ({@link ExtendedCode}).
 *
 * <p>Factor arrays are padded to a multiple of {@link #BLOCK} rows; padding rows have {@code fAdd = +inf} so
 * their estimate never passes a threshold.
 */
final class ClusterCodes {
    /** Vectors per FastScan block. */
    public static final int BLOCK = 32;

    final int size;
    final int words;
    final int paddedDim;
    final RowIds ids;
    /** The sign words, row-major; null when the FastScan layout {@link #packed} holds them (read with {@link #signWords}). */
    final long[] codes;
    final float[] fAdd;
    final float[] fIp;
    final float[] fPpc;
    final float[] fErr;
    final RawVectors raw;
    final byte[] packed;
    /** Bits per dimension: 1, or more with the arrays below (null when 1). */
    final int bits;
    final long[] exPlanes;
    final float[] fAddEx;
    final float[] fRescaleEx;
    final float[] fErrEx;

    ClusterCodes(int paddedDim, long[] ids, long[] codes, float[] fAdd, float[] fIp, float[] fPpc, float[] fErr,
                 RawVectors raw, boolean pack, int bits, long[] exPlanes, float[][] exFactors) {
        // the FastScan layout holds the sign bits too: a packed cluster keeps them only there
        this(paddedDim, RowIds.of(ids), pack ? null : codes, fAdd, fIp, fPpc, fErr, raw, pack ? pack(codes, ids.length, paddedDim) : null,
                bits, exPlanes, exFactors);
    }

    private ClusterCodes(int paddedDim, RowIds ids, long[] codes, float[] fAdd, float[] fIp, float[] fPpc, float[] fErr,
                         RawVectors raw, byte[] packed, int bits, long[] exPlanes, float[][] exFactors) {
        this.size = ids.size();
        this.words = paddedDim / 64;
        this.paddedDim = paddedDim;
        this.ids = ids;
        this.codes = codes;
        this.fAdd = fAdd;
        this.fIp = fIp;
        this.fPpc = fPpc;
        this.fErr = fErr;
        this.raw = raw;
        this.packed = packed;
        this.bits = bits;
        this.exPlanes = exPlanes;
        this.fAddEx = exFactors == null ? null : exFactors[0];
        this.fRescaleEx = exFactors == null ? null : exFactors[1];
        this.fErrEx = exFactors == null ? null : exFactors[2];
    }

    /** This cluster with its raw vectors read from {@code rows} instead (same rows, e.g. moved off the heap). */
    ClusterCodes withRaw(RawVectors rows) {
        return new ClusterCodes(paddedDim, ids, codes, fAdd, fIp, fPpc, fErr, rows, packed, bits, exPlanes,
                exPlanes == null ? null : new float[][] {fAddEx, fRescaleEx, fErrEx});
    }

    /** A cluster from its persisted arrays (taken over, not copied), factor arrays padded to whole blocks. */
    static ClusterCodes of(int paddedDim, int bits, IndexSnapshot.Cluster c, boolean pack) {
        int n = c.ids().length;
        int padded = paddedRows(n);
        float[][] f = new float[4][];
        for (int k = 0; k < 4; k++) {
            f[k] = java.util.Arrays.copyOf(c.factors()[k], padded);
        }
        java.util.Arrays.fill(f[0], n, padded, Float.POSITIVE_INFINITY);
        return new ClusterCodes(paddedDim, c.ids(), c.codes(), f[0], f[1], f[2], f[3], c.raw(), pack, bits, c.exCodes(),
                c.exFactors());
    }

    /** One cluster from parts encoded separately (not packed), in order; {@code raw} rows kept when {@code keepRaw}. */
    static ClusterCodes concat(int paddedDim, int bits, List<ClusterCodes> parts, boolean keepRaw, int dim, boolean pack) {
        int n = 0;
        for (ClusterCodes p : parts) {
            n += p.size;
        }
        int words = paddedDim / 64;
        int ex = bits - 1;
        long[] ids = new long[n];
        long[] codes = new long[n * words];
        float[][] f = new float[4][paddedRows(n)];
        Arrays.fill(f[0], n, f[0].length, Float.POSITIVE_INFINITY);
        float[] raw = keepRaw ? new float[n * dim] : null;
        long[] exPlanes = ex > 0 ? new long[n * ex * words] : null;
        float[][] exFactors = ex > 0 ? new float[3][n] : null;
        int at = 0;
        for (ClusterCodes p : parts) {
            int m = p.size;
            System.arraycopy(p.ids.toArray(), 0, ids, at, m);
            System.arraycopy(p.signWords(), 0, codes, at * words, m * words);
            float[][] pf = {p.fAdd, p.fIp, p.fPpc, p.fErr};
            for (int k = 0; k < 4; k++) {
                System.arraycopy(pf[k], 0, f[k], at, m);
            }
            if (raw != null) {
                for (int r = 0; r < m; r++) {
                    p.raw.read(r, raw, (at + r) * dim);
                }
            }
            if (ex > 0) {
                System.arraycopy(p.exPlanes, 0, exPlanes, at * ex * words, m * ex * words);
                float[][] pe = {p.fAddEx, p.fRescaleEx, p.fErrEx};
                for (int k = 0; k < 3; k++) {
                    System.arraycopy(pe[k], 0, exFactors[k], at, m);
                }
            }
            at += m;
        }
        return new ClusterCodes(paddedDim, ids, codes, f[0], f[1], f[2], f[3], raw == null ? null : RawVectors.of(raw, dim),
                pack, bits, exPlanes, exFactors);
    }

    /**
     * This cluster's arrays as persisted, factors without the block padding; ids in a new array, codes copied when
     * {@code copy} (a live index's), else shared (a cluster just encoded for writing). Raw rows are immutable: shared.
     */
    IndexSnapshot.Cluster toSnapshot(boolean copy) {
        float[][] ex = exPlanes == null ? null : new float[][] {copy ? fAddEx.clone() : fAddEx,
            copy ? fRescaleEx.clone() : fRescaleEx, copy ? fErrEx.clone() : fErrEx};
        return new IndexSnapshot.Cluster(ids.toArray(), codes == null ? signWords() : copy ? codes.clone() : codes, new float[][] {
            java.util.Arrays.copyOf(fAdd, size), java.util.Arrays.copyOf(fIp, size),
            java.util.Arrays.copyOf(fPpc, size), java.util.Arrays.copyOf(fErr, size)}, raw,
            exPlanes == null || !copy ? exPlanes : exPlanes.clone(), ex);
    }

    /** The sign words of row {@code row} into {@code dst[0, words)}. */
    void signWords(int row, long[] dst) {
        if (codes != null) {
            System.arraycopy(codes, row * words, dst, 0, words);
            return;
        }
        // pack puts groups 4r .. 4r + 3 of a row in two bytes (h = 0, 1) of group row r, low nibble first: read in order,
        // the bytes of group rows 4w .. 4w + 3 are word w's bytes, least significant first
        int v = row % BLOCK;
        int at = (row / BLOCK) * (paddedDim / 16) * 64 + (v < 16 ? 2 * v : 2 * (v - 16) + 1); // the inverse of pack's lane order
        for (int w = 0; w < words; w++, at += 4 * 64) {
            dst[w] = (packed[at] & 0xFFL) | (packed[at + 32] & 0xFFL) << 8
                    | (packed[at + 64] & 0xFFL) << 16 | (packed[at + 96] & 0xFFL) << 24
                    | (packed[at + 128] & 0xFFL) << 32 | (packed[at + 160] & 0xFFL) << 40
                    | (packed[at + 192] & 0xFFL) << 48 | (packed[at + 224] & 0xFFL) << 56;
        }
    }

    /** The sign words of every row, row-major (the held array, or decoded from the FastScan layout). */
    long[] signWords() {
        if (codes != null) {
            return codes;
        }
        long[] out = new long[size * words];
        long[] row = new long[words];
        for (int i = 0; i < size; i++) {
            signWords(i, row);
            System.arraycopy(row, 0, out, i * words, words);
        }
        return out;
    }

    /** Number of vectors. */
    public int size() {
        return size;
    }

    /** Number of 32-vector blocks. */
    public int blocks() {
        return (size + BLOCK - 1) / BLOCK;
    }

    /** Rounds a row count up to whole blocks, the length of every factor array. */
    static int paddedRows(int size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** Heap bytes of this cluster's arrays. */
    long memoryBytes() {
        long b = ids.memoryBytes() + (codes == null ? 0 : 8L * codes.length) + 4L * (fAdd.length + fIp.length + fPpc.length + fErr.length);
        if (raw != null) {
            b += raw.heapBytes();
        }
        if (packed != null) {
            b += packed.length;
        }
        if (exPlanes != null) {
            b += 8L * exPlanes.length + 12L * size;
        }
        return b + 64;
    }

    /**
     * FastScan layout: per block, per 16 dimensions ("row"), 64 bytes. Byte lane l holds, for half
     * {@code h = l / 32} and vector {@code v = p / 2} (p = l % 32 even) or {@code 16 + p / 2} (p odd), the
     * 4-bit sub-codes of dimension groups {@code 4r + 2h} (low nibble) and {@code 4r + 2h + 1} (high nibble).
     * This order makes the even/odd 16-bit accumulator halves come out as vectors 0..15 and 16..31.
     */
    static byte[] pack(long[] codes, int size, int paddedDim) {
        int words = paddedDim / 64;
        int rows = paddedDim / 16;
        int blocks = (size + BLOCK - 1) / BLOCK;
        byte[] out = new byte[blocks * rows * 64];
        for (int b = 0; b < blocks; b++) {
            for (int r = 0; r < rows; r++) {
                int base = (b * rows + r) * 64;
                for (int l = 0; l < 64; l++) {
                    int h = l >>> 5;
                    int p = l & 31;
                    int v = (p & 1) == 0 ? p >>> 1 : 16 + (p >>> 1);
                    int row = b * BLOCK + v;
                    if (row >= size) {
                        continue;
                    }
                    int s0 = 4 * r + 2 * h;
                    out[base + l] = (byte) (nibble(codes, row, words, s0) | (nibble(codes, row, words, s0 + 1) << 4));
                }
            }
        }
        return out;
    }

    private static int nibble(long[] codes, int row, int words, int group) {
        return (int) (codes[row * words + (group >>> 4)] >>> ((group & 15) << 2)) & 15;
    }
}
