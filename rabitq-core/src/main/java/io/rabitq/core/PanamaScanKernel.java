package io.rabitq.core;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * FastScan kernel on the JDK Vector API (512-bit species). For each 32-vector block and 16 dimensions it
 * looks up the low and high nibbles of 64 code bytes in the query's 64-byte table with one byte shuffle each,
 * accumulates in 16-bit lanes with the even/odd split, folds the halves into 2 x 16 integer inner products
 * and evaluates the estimator and bound for 16 vectors per float vector. Every block is scored against all
 * queries of a batch while it is in L1. Loaded only when {@code jdk.incubator.vector} is present.
 */
final class PanamaScanKernel implements ScanKernel {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final FloatVector TWO_TO_23 = FloatVector.broadcast(F, 8388608f);
    private static final int TWO_TO_23_BITS = Float.floatToIntBits(8388608f);
    /** Largest byte a row contributes per lane: two table entries of four query components each. */
    private static final int MAX_BYTE_SUM = 2 * 4 * QueryCode.MAX_LEVEL;
    /** Rows accumulated in 16-bit lanes before widening, so both halves together stay below 32768. */
    private static final int CHUNK_ROWS = Short.MAX_VALUE / (2 * MAX_BYTE_SUM);
    private static final VectorShuffle<Short> HALF_SWAP = VectorShuffle.fromOp(S, i -> (i + 16) & 31);
    private static final ByteVector OFFSET_LOW;
    private static final ByteVector OFFSET_HIGH;
    /** PICK[i] moves component i of lane l's group (qu[4 (l / 16) + i]) into lane l. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Byte>[] PICK = new VectorShuffle[4];
    /** BIT[i] keeps lane l where bit i of the table entry l % 16 is set. */
    private static final ByteVector[] BIT = new ByteVector[4];

    private static final ScanKernel SCALAR = new ScalarScanKernel();
    /** PARTNER[s] swaps lanes l and l ^ 2^s; UPPER[s] marks the lanes with bit s set (the b of each pair). */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] PARTNER = new VectorShuffle[4];
    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[] UPPER = new VectorMask[4];

    static {
        for (int s = 0; s < 4; s++) {
            int h = 1 << s;
            PARTNER[s] = VectorShuffle.fromOp(F, l -> l ^ h);
            UPPER[s] = VectorMask.fromLong(F, upperLanes(h));
        }
        for (int i = 0; i < 4; i++) {
            int bit = i;
            PICK[i] = VectorShuffle.fromOp(B, l -> 4 * (l >>> 4) + bit);
            byte[] keep = new byte[64];
            for (int l = 0; l < 64; l++) {
                keep[l] = (byte) (((l & 15) >>> bit & 1) != 0 ? 0xFF : 0);
            }
            BIT[i] = ByteVector.fromArray(B, keep, 0);
        }
        byte[] lo = new byte[64];
        byte[] hi = new byte[64];
        for (int l = 0; l < 64; l++) {
            lo[l] = (byte) (l < 32 ? 0 : 32);
            hi[l] = (byte) (l < 32 ? 16 : 48);
        }
        OFFSET_LOW = ByteVector.fromArray(B, lo, 0);
        OFFSET_HIGH = ByteVector.fromArray(B, hi, 0);
    }

    /** True when this CPU runs 512-bit vectors natively; otherwise the kernel would be emulated and slow. */
    static boolean supported() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public boolean needsPackedCodes() {
        return true;
    }

    @Override
    public void encode(QueryCode q, int paddedDim) {
        byte[] qu = q.qu;
        byte[] lut = q.lut;
        // Table row r holds the 16 subset sums of each of the 4 groups of 4 components qu[16r .. 16r + 16): entry x of
        // group g is the sum of qu[16r + 4g + i] over the bits i of x, built as 4 masked broadcasts (sums stay below 128).
        for (int r = 0, rows = paddedDim >>> 4; r < rows; r++) {
            ByteVector src = ByteVector.fromArray(B, qu, r << 4);
            ByteVector sum = src.rearrange(PICK[0]).and(BIT[0]);
            for (int i = 1; i < 4; i++) {
                sum = sum.add(src.rearrange(PICK[i]).and(BIT[i]));
            }
            sum.intoArray(lut, r << 6);
        }
    }

    @Override
    public void scan(ClusterCodes c, QueryCode[] queries, CandidateSink[] sinks, int n) {
        final int rows = c.paddedDim >>> 4;
        final byte[] packed = c.packed;
        final float[] est = new float[32];
        final float[] lb = new float[32];
        final int blocks = c.blocks();
        for (int b = 0; b < blocks; b++) {
            final int codeBase = b * rows * 64;
            final int row0 = b * ClusterCodes.BLOCK;
            for (int j = 0; j < n; j++) {
                QueryCode q = queries[j];
                byte[] lut = q.lut;
                FloatVector ip0 = FloatVector.zero(F);
                FloatVector ip1 = FloatVector.zero(F);
                for (int r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
                    int r1 = Math.min(rows, r0 + CHUNK_ROWS);
                    ShortVector accAll = ShortVector.zero(S);
                    ShortVector accOdd = ShortVector.zero(S);
                    for (int r = r0, off = codeBase + (r0 << 6); r < r1; r++, off += 64) {
                        ByteVector code = ByteVector.fromArray(B, packed, off);
                        ByteVector table = ByteVector.fromArray(B, lut, r << 6);
                        ByteVector lo = code.and((byte) 0x0F).or(OFFSET_LOW).selectFrom(table);
                        ByteVector hi = code.lanewise(VectorOperators.LSHR, 4).or(OFFSET_HIGH).selectFrom(table);
                        ShortVector s = lo.add(hi).reinterpretAsShorts();
                        accAll = accAll.add(s);
                        accOdd = accOdd.add(s.lanewise(VectorOperators.LSHR, 8));
                    }
                    ShortVector accEven = accAll.sub(accOdd.lanewise(VectorOperators.LSHL, 8));
                    // integer-valued floats below 2^24 add exactly, so chunking keeps results bit-identical
                    ip0 = ip0.add(fold(accEven));
                    ip1 = ip1.add(fold(accOdd));
                }
                CandidateSink sink = sinks[j];
                float threshold = sink.threshold();
                FloatVector scale = FloatVector.broadcast(F, q.ipScale);
                FloatVector bias = FloatVector.broadcast(F, q.ipBias);
                FloatVector low = FloatVector.broadcast(F, q.low);
                FloatVector term = FloatVector.broadcast(F, q.clusterTerm);
                FloatVector negErr = FloatVector.broadcast(F, -q.errorScale);
                FloatVector rounding = FloatVector.broadcast(F, q.roundingScale);
                FloatVector e0 = estimate(c, row0, ip0, scale, bias, low, term);
                FloatVector e1 = estimate(c, row0 + 16, ip1, scale, bias, low, term);
                FloatVector l0 = FloatVector.fromArray(F, c.fErr, row0)
                        .fma(negErr, FloatVector.fromArray(F, c.fIp, row0).fma(rounding, e0));
                FloatVector l1 = FloatVector.fromArray(F, c.fErr, row0 + 16)
                        .fma(negErr, FloatVector.fromArray(F, c.fIp, row0 + 16).fma(rounding, e1));
                VectorMask<Float> m0 = l0.compare(VectorOperators.LT, threshold);
                VectorMask<Float> m1 = l1.compare(VectorOperators.LT, threshold);
                if (m0.or(m1).anyTrue()) {
                    e0.intoArray(est, 0);
                    e1.intoArray(est, 16);
                    l0.intoArray(lb, 0);
                    l1.intoArray(lb, 16);
                    long bits = m0.toLong() | (m1.toLong() << 16);
                    while (bits != 0) {
                        int v = Long.numberOfTrailingZeros(bits);
                        bits &= bits - 1;
                        if (lb[v] < sink.threshold()) {
                            sink.offer(row0 + v, est[v], lb[v]);
                        }
                    }
                }
            }
        }
    }

    private static long upperLanes(int h) {
        long bits = 0;
        for (int l = 0; l < 16; l++) {
            if ((l & h) != 0) {
                bits |= 1L << l;
            }
        }
        return bits;
    }

    /** Adds the two 16-lane halves of a 16-bit accumulator (the two dimension-group pairs) into 16 floats. */
    private static FloatVector fold(ShortVector acc) {
        return (FloatVector) acc.add(acc.rearrange(HALF_SWAP)).convertShape(VectorOperators.S2F, F, 0);
    }

    private static FloatVector estimate(ClusterCodes c, int row, FloatVector ip, FloatVector scale,
                                        FloatVector bias, FloatVector low, FloatVector term) {
        FloatVector t = ip.fma(scale, bias);
        FloatVector u = FloatVector.fromArray(F, c.fPpc, row).fma(low, FloatVector.fromArray(F, c.fAdd, row).add(term));
        return FloatVector.fromArray(F, c.fIp, row).fma(t, u);
    }

    /** Butterflies of stride h < 16 inside each 16-lane vector (lane l pairs with l ^ h), then whole vectors. */
    @Override
    public void fwht(float[] x, int off, int n) {
        if (n < 16) {
            SCALAR.fwht(x, off, n);
            return;
        }
        for (int i = off; i < off + n; i += 16) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            for (int s = 0; s < 4; s++) {
                FloatVector partner = v.rearrange(PARTNER[s]);
                v = v.add(partner).blend(partner.sub(v), UPPER[s]); // lower lane: a + b; upper lane: a - b
            }
            v.intoArray(x, i);
        }
        for (int h = 16; h < n; h <<= 1) {
            for (int i = off; i < off + n; i += h << 1) {
                for (int j = i; j < i + h; j += 16) {
                    FloatVector a = FloatVector.fromArray(F, x, j);
                    FloatVector b = FloatVector.fromArray(F, x, j + h);
                    a.add(b).intoArray(x, j);
                    a.sub(b).intoArray(x, j + h);
                }
            }
        }
    }

    @Override
    public void butterflies(float[] x, int a, int b, int n, float scale) {
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            FloatVector u = FloatVector.fromArray(F, x, a + i);
            FloatVector v = FloatVector.fromArray(F, x, b + i);
            u.add(v).mul(scale).intoArray(x, a + i);
            u.sub(v).mul(scale).intoArray(x, b + i);
        }
        SCALAR.butterflies(x, a + i, b + i, n - i, scale);
    }

    @Override
    public void range(float[] x, int n, float[] out) {
        FloatVector lo = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
        FloatVector hi = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector lo2 = lo;
        FloatVector hi2 = hi;
        int i = 0;
        for (; i + 32 <= n; i += 32) { // two chains: a vector min with Java's NaN and -0.0 rules takes several cycles
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector w = FloatVector.fromArray(F, x, i + 16);
            lo = lo.min(v);
            hi = hi.max(v);
            lo2 = lo2.min(w);
            hi2 = hi2.max(w);
        }
        lo = lo.min(lo2);
        hi = hi.max(hi2);
        for (; i + 16 <= n; i += 16) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        out[0] = lo.reduceLanes(VectorOperators.MIN); // min and max need no fixed order
        out[1] = hi.reduceLanes(VectorOperators.MAX);
        ScalarScanKernel.widenRange(x, i, n, out);
    }

    /**
     * The levels are never negative ({@code y >= lo}, {@code dither >= 0}), so Java's truncation is a floor, done here
     * without a float-to-int conversion (not compiled to vector code on JDK 17): adding 2^23 rounds the clamped
     * value to the nearest integer in the low mantissa bits, and one is taken off where that rounded up.
     */
    @Override
    public int quantize(float[] y, int n, float lo, float inv, float[] dither, byte[] qu) {
        FloatVector vlo = FloatVector.broadcast(F, lo);
        FloatVector vinv = FloatVector.broadcast(F, inv);
        IntVector sum = IntVector.zero(I);
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            FloatVector f = FloatVector.fromArray(F, y, i).sub(vlo).mul(vinv).add(FloatVector.fromArray(F, dither, i))
                    .max(0f).min((float) QueryCode.MAX_LEVEL);
            FloatVector shifted = f.add(TWO_TO_23);
            IntVector roundedUp = shifted.sub(TWO_TO_23).sub(f).reinterpretAsInts().neg().lanewise(VectorOperators.LSHR, 31);
            IntVector v = shifted.reinterpretAsInts().sub(TWO_TO_23_BITS).sub(roundedUp);
            sum = sum.add(v);
            v.convertShape(VectorOperators.I2B, ByteVector.SPECIES_128, 0).reinterpretAsBytes().intoArray(qu, i);
        }
        return sum.reduceLanes(VectorOperators.ADD) + ScalarScanKernel.quantize(y, i, n, lo, inv, dither, qu);
    }

    @Override
    public float squaredL2(float[] a, float[] b, int off) {
        int n = a.length;
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (; i + 32 <= n; i += 32) {
            FloatVector d0 = FloatVector.fromArray(F, a, i).sub(FloatVector.fromArray(F, b, off + i));
            FloatVector d1 = FloatVector.fromArray(F, a, i + 16).sub(FloatVector.fromArray(F, b, off + i + 16));
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
        }
        if (i + 16 <= n) {
            FloatVector d0 = FloatVector.fromArray(F, a, i).sub(FloatVector.fromArray(F, b, off + i));
            acc0 = d0.fma(d0, acc0);
            i += 16;
        }
        float s = sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            float d = a[i] - b[off + i];
            s = Math.fma(d, d, s);
        }
        return s;
    }

    @Override
    public float dot(float[] a, float[] b, int off) {
        int n = a.length;
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (; i + 32 <= n; i += 32) {
            acc0 = FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, off + i), acc0);
            acc1 = FloatVector.fromArray(F, a, i + 16).fma(FloatVector.fromArray(F, b, off + i + 16), acc1);
        }
        if (i + 16 <= n) {
            acc0 = FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, off + i), acc0);
            i += 16;
        }
        float s = sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            s = Math.fma(a[i], b[off + i], s);
        }
        return s;
    }

    /** Sequential lane sum, the order {@link ScalarScanKernel} reproduces (reduceLanes has no fixed order). */
    private static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int l = 0; l < 16; l++) {
            s += v.lane(l);
        }
        return s;
    }

    @Override
    public void blockDots(float[] x, int xOff, int rows, int dim, float[] table, int b0, int b1, float[] out, int outOff) {
        int columns = table.length / dim;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int x0 = xOff + r * dim;
            for (int b = b0; b < b1; b++) {
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = FloatVector.zero(F);
                FloatVector a2 = FloatVector.zero(F);
                FloatVector a3 = FloatVector.zero(F);
                int t = b * dim * 16;
                for (int d = 0; d < dim; d++, t += 16) {
                    FloatVector col = FloatVector.fromArray(F, table, t);
                    a0 = FloatVector.broadcast(F, x[x0 + d]).fma(col, a0);
                    a1 = FloatVector.broadcast(F, x[x0 + dim + d]).fma(col, a1);
                    a2 = FloatVector.broadcast(F, x[x0 + 2 * dim + d]).fma(col, a2);
                    a3 = FloatVector.broadcast(F, x[x0 + 3 * dim + d]).fma(col, a3);
                }
                int o = outOff + r * columns + b * 16;
                a0.intoArray(out, o);
                a1.intoArray(out, o + columns);
                a2.intoArray(out, o + 2 * columns);
                a3.intoArray(out, o + 3 * columns);
            }
        }
        for (; r < rows; r++) {
            int xr = xOff + r * dim;
            int b = b0;
            for (; b + 4 <= b1; b += 4) { // four blocks at once: independent accumulators hide the FMA latency
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = FloatVector.zero(F);
                FloatVector a2 = FloatVector.zero(F);
                FloatVector a3 = FloatVector.zero(F);
                int t = b * dim * 16;
                int step = dim * 16;
                for (int d = 0; d < dim; d++, t += 16) {
                    FloatVector xd = FloatVector.broadcast(F, x[xr + d]);
                    a0 = xd.fma(FloatVector.fromArray(F, table, t), a0);
                    a1 = xd.fma(FloatVector.fromArray(F, table, t + step), a1);
                    a2 = xd.fma(FloatVector.fromArray(F, table, t + 2 * step), a2);
                    a3 = xd.fma(FloatVector.fromArray(F, table, t + 3 * step), a3);
                }
                int o = outOff + r * columns + b * 16;
                a0.intoArray(out, o);
                a1.intoArray(out, o + 16);
                a2.intoArray(out, o + 32);
                a3.intoArray(out, o + 48);
            }
            for (; b < b1; b++) {
                FloatVector a = FloatVector.zero(F);
                int t = b * dim * 16;
                for (int d = 0; d < dim; d++, t += 16) {
                    a = FloatVector.broadcast(F, x[xr + d]).fma(FloatVector.fromArray(F, table, t), a);
                }
                a.intoArray(out, outOff + r * columns + b * 16);
            }
        }
    }
}
