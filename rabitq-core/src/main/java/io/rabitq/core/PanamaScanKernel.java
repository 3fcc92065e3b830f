package io.rabitq.core;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * FastScan kernel on the JDK Vector API, for 512-, 256- or 128-bit vectors ({@link #BITS}, fixed per JVM so the
 * species are constants the JIT compiles to native instructions). For each 32-vector block and 16 dimensions
 * it looks up the low and high nibbles of the block's 64 code bytes in the query's 64-byte table with byte
 * shuffles ({@code W} bytes at a time, W = 64, 32 or 16), accumulates in 16-bit lanes with the even/odd split,
 * turns the sums into 32 integer inner products and evaluates the estimator and bound for a float vector of
 * vectors at a time. Every block is scored against all queries of a batch while it is in L1.
 *
 * <p>Float reductions keep the scalar kernel's order at every width: the two 16-lane accumulators of
 * {@link ScalarScanKernel} are held as {@code 16 / FL} parts of FL lanes each, so all widths agree bit for bit.
 * Loaded only when {@code jdk.incubator.vector} is present.
 */
final class PanamaScanKernel implements ScanKernel {
    /** Vector width in bits of this JVM's kernel. */
    static final int BITS = chosenBits(System.getProperty(Kernels.SIMD_BITS_PROPERTY));

    private static final VectorShape SHAPE = VectorShape.forBitSize(BITS);
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, SHAPE);
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, SHAPE);
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, SHAPE);
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, SHAPE);
    /** Code bytes per vector (64, 32 or 16) and the chunks of one 64-byte FastScan row. */
    private static final int W = B.length();
    private static final int CHUNKS = 64 / W;
    /** Passes over a block's rows: two at W = 16, where chunks 0, 2 and 1, 3 hold different vectors. */
    private static final int PASSES = W == 16 ? 2 : 1;
    /** Float lanes, and the parts of one 16-lane scalar-order accumulator. */
    private static final int FL = F.length();
    private static final int PARTS = ScalarScanKernel.LANES / FL;
    /** Bytes that receive a quantized level per float vector: FL lanes of a 64-bit (or wider) byte vector. */
    private static final VectorSpecies<Byte> LEVELS = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, FL * 8)));
    private static final VectorMask<Byte> LEVEL_LANES = VectorMask.fromLong(LEVELS, (1L << FL) - 1);

    private static final FloatVector TWO_TO_23 = FloatVector.broadcast(F, 8388608f);
    private static final int TWO_TO_23_BITS = Float.floatToIntBits(8388608f);
    /** Largest byte a row contributes per lane: two table entries of four query components each. */
    private static final int MAX_BYTE_SUM = 2 * 4 * QueryCode.MAX_LEVEL;
    /** Rows accumulated in 16-bit lanes before widening, so the two chunks (or halves) together stay below 32768. */
    private static final int CHUNK_ROWS = Short.MAX_VALUE / (2 * MAX_BYTE_SUM);
    private static final VectorShuffle<Short> HALF_SWAP = VectorShuffle.fromOp(S, i -> (i + 16) & 31);
    /**
     * Table offsets of the nibble indexes: a 64-byte row's bytes [0, 32) hold dimension groups 0 and 1 (low, high
     * nibble), bytes [32, 64) groups 2 and 3; each group has 16 table entries. Narrower vectors load the table
     * from the chunk's group pair on (W = 32) or each group's 16 entries on their own (W = 16).
     */
    private static final ByteVector OFFSET_LOW = ByteVector.fromArray(B, lanes(64, l -> l & 32), 0);
    private static final ByteVector OFFSET_HIGH = ByteVector.fromArray(B, lanes(64, l -> (l & 32) + (W >= 32 ? 16 : 0)), 0);
    /** PICK[c][i] moves component i of lane l's group into lane l of chunk c of a table row. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Byte>[][] PICK = new VectorShuffle[CHUNKS][4];
    /** BIT[i] keeps lane l where bit i of the table entry l % 16 is set. */
    private static final ByteVector[] BIT = new ByteVector[4];

    private static final ScanKernel SCALAR = new ScalarScanKernel();
    /** PARTNER[s] swaps lanes l and l ^ 2^s; UPPER[s] marks the lanes with bit s set (the b of each pair). */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] PARTNER = new VectorShuffle[4];
    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[] UPPER = new VectorMask[4];
    /** Lane l holds l. */
    private static final IntVector LANE_INDEX = IntVector.fromArray(I, java.util.stream.IntStream.range(0, 16).toArray(), 0);
    /** Butterfly strides inside one float vector: log2(FL). */
    private static final int LANE_STRIDES = Integer.numberOfTrailingZeros(FL);

    static {
        for (int s = 0; s < LANE_STRIDES; s++) {
            int h = 1 << s;
            PARTNER[s] = VectorShuffle.fromOp(F, l -> l ^ h);
            UPPER[s] = VectorMask.fromLong(F, upperLanes(h));
        }
        for (int c = 0; c < CHUNKS; c++) {
            int first = c * W;
            for (int i = 0; i < 4; i++) {
                int bit = i;
                PICK[c][i] = VectorShuffle.fromOp(B, l -> 4 * ((first + l) >>> 4) + bit);
            }
        }
        for (int i = 0; i < 4; i++) {
            int bit = i;
            BIT[i] = ByteVector.fromArray(B, lanes(W, l -> ((l & 15) >>> bit & 1) != 0 ? 0xFF : 0), 0);
        }
    }

    /** The width asked for by {@code value} (null: the CPU's preferred width, at most 512 bits). */
    static int chosenBits(String value) {
        int forced = Kernels.forcedSimdBits(value);
        return forced > 0 ? forced : Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    /**
     * Null when this kernel runs natively here, else why not: the chosen width must be at least 128 bits and no
     * wider than the CPU's vectors (wider species would be emulated, slower than the scalar kernel).
     */
    static String unsupportedReason() {
        return unsupportedReason(BITS, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    static String unsupportedReason(int bits, int cpuBits) {
        if (bits < 128) {
            return "this CPU's vectors are " + cpuBits + " bits; the vector kernel needs at least 128";
        }
        if (bits > cpuBits) {
            return "-D" + Kernels.SIMD_BITS_PROPERTY + "=" + bits + " is wider than this CPU's " + cpuBits + "-bit vectors";
        }
        return null;
    }

    private static byte[] lanes(int n, java.util.function.IntUnaryOperator f) {
        byte[] a = new byte[n];
        for (int l = 0; l < n; l++) {
            a[l] = (byte) f.applyAsInt(l);
        }
        return a;
    }

    @Override
    public String name() {
        return "vector-" + BITS;
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
            for (int c = 0; c < CHUNKS; c++) {
                ByteVector sum = src.rearrange(PICK[c][0]).and(BIT[0]);
                for (int i = 1; i < 4; i++) {
                    sum = sum.add(src.rearrange(PICK[c][i]).and(BIT[i]));
                }
                sum.intoArray(lut, (r << 6) + c * W);
            }
        }
    }

    @Override
    public void scan(ClusterCodes c, QueryCode[] queries, CandidateSink[] sinks, int n) {
        final int rows = c.paddedDim >>> 4;
        final float[] ip = new float[ClusterCodes.BLOCK];
        final float[] est = new float[ClusterCodes.BLOCK];
        final float[] lb = new float[ClusterCodes.BLOCK];
        for (int b = 0, blocks = c.blocks(); b < blocks; b++) {
            for (int j = 0; j < n; j++) {
                blockSums(c.packed, b * rows * 64, rows, queries[j].lut, ip);
                emit(c, b * ClusterCodes.BLOCK, queries[j], sinks[j], ip, est, lb);
            }
        }
    }

    /**
     * The integer inner products of the 32 codes of a block, from {@code packed[codeBase]}, with a query's table. Chunks
     * whose bytes start at a multiple of 32 hold vectors {@code [0, W/2)} (even bytes) and {@code [16, 16 + W/2)} (odd
     * bytes) of the block; at W = 16 the other chunks hold the next W/2 of each half and get a pass of their own. No
     * vector crosses a method boundary or a branch merge here: C2 would box it (8 times slower on JDK 25).
     */
    private static void blockSums(byte[] packed, int codeBase, int rows, byte[] lut, float[] ip) {
        java.util.Arrays.fill(ip, 0f);
        for (int pass = 0; pass < PASSES; pass++) {
            int first = pass * W / 2;
            for (int r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
                int r1 = Math.min(rows, r0 + CHUNK_ROWS);
                ShortVector all = ShortVector.zero(S);
                ShortVector odd = ShortVector.zero(S);
                for (int r = r0, off = codeBase + (r0 << 6); r < r1; r++, off += 64) {
                    for (int i = 0; i < CHUNKS / PASSES; i++) { // a constant trip count, unrolled: no vector loop phi
                        int k = pass + i * PASSES;
                        ByteVector code = ByteVector.fromArray(B, packed, off + k * W);
                        int tableAt = (r << 6) + ((k * W) & ~31);
                        ByteVector tableLow = ByteVector.fromArray(B, lut, tableAt);
                        ByteVector tableHigh = W == 16 ? ByteVector.fromArray(B, lut, tableAt + 16) : tableLow;
                        ByteVector lo = code.and((byte) 0x0F).or(OFFSET_LOW).selectFrom(tableLow);
                        // high nibbles by a 16-bit shift: x86 has no byte shift, and JDK 17 does not compile one
                        ByteVector high = code.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                        ByteVector hi = high.and((byte) 0x0F).or(OFFSET_HIGH).selectFrom(tableHigh);
                        ShortVector s = lo.add(hi).reinterpretAsShorts();
                        all = all.add(s);
                        odd = odd.add(s.lanewise(VectorOperators.LSHR, 8));
                    }
                }
                ShortVector even = all.sub(odd.lanewise(VectorOperators.LSHL, 8));
                if (W == 64) { // both 16-lane halves hold the same vectors (group pairs 0-1 and 2-3)
                    even = even.add(even.rearrange(HALF_SWAP));
                    odd = odd.add(odd.rearrange(HALF_SWAP));
                }
                // integer-valued floats below 2^24 add exactly, so row chunks keep results bit-identical; the part
                // numbers are literals because the conversion compiles to vector code only for a constant part
                ((FloatVector) even.convertShape(VectorOperators.S2F, F, 0)).add(FloatVector.fromArray(F, ip, first)).intoArray(ip, first);
                ((FloatVector) odd.convertShape(VectorOperators.S2F, F, 0)).add(FloatVector.fromArray(F, ip, 16 + first))
                        .intoArray(ip, 16 + first);
                if (W != 64) {
                    ((FloatVector) even.convertShape(VectorOperators.S2F, F, 1)).add(FloatVector.fromArray(F, ip, first + FL))
                            .intoArray(ip, first + FL);
                    ((FloatVector) odd.convertShape(VectorOperators.S2F, F, 1)).add(FloatVector.fromArray(F, ip, 16 + first + FL))
                            .intoArray(ip, 16 + first + FL);
                }
            }
        }
    }

    /** Estimates and bounds of the block's vectors from row {@code row0}; offers those whose bound beats the threshold. */
    private static void emit(ClusterCodes c, int row0, QueryCode q, CandidateSink sink, float[] ip, float[] est, float[] lb) {
        float threshold = sink.threshold();
        long hits = 0;
        for (int v = 0; v < ClusterCodes.BLOCK; v += FL) {
            hits |= estimate(c, row0, v, q, threshold, ip, est, lb) << v;
        }
        while (hits != 0) {
            int v = Long.numberOfTrailingZeros(hits);
            hits &= hits - 1;
            if (lb[v] < sink.threshold()) {
                sink.offer(row0 + v, est[v], lb[v]);
            }
        }
    }

    /**
     * Estimates and bounds of the FL vectors from row {@code row0 + v} into {@code est[v..]} and {@code lb[v..]} when
     * a bound beats {@code threshold}; returns the mask of those.
     */
    private static long estimate(ClusterCodes c, int row0, int v, QueryCode q, float threshold, float[] ip, float[] est, float[] lb) {
        int row = row0 + v;
        FloatVector t = FloatVector.fromArray(F, ip, v).fma(FloatVector.broadcast(F, q.ipScale), FloatVector.broadcast(F, q.ipBias));
        FloatVector u = FloatVector.fromArray(F, c.fPpc, row).fma(FloatVector.broadcast(F, q.low),
                FloatVector.fromArray(F, c.fAdd, row).add(FloatVector.broadcast(F, q.clusterTerm)));
        FloatVector fIp = FloatVector.fromArray(F, c.fIp, row);
        FloatVector e = fIp.fma(t, u);
        FloatVector l = FloatVector.fromArray(F, c.fErr, row).fma(FloatVector.broadcast(F, -q.errorScale),
                fIp.fma(FloatVector.broadcast(F, q.roundingScale), e));
        if (!(l.reduceLanes(VectorOperators.MIN) < threshold)) { // no mask: JDK 17 compiles vector compares poorly here
            return 0;
        }
        e.intoArray(est, v);
        l.intoArray(lb, v);
        long hits = 0;
        for (int i = 0; i < FL; i++) {
            if (lb[v + i] < threshold) {
                hits |= 1L << i;
            }
        }
        return hits;
    }

    private static long upperLanes(int h) {
        long bits = 0;
        for (int l = 0; l < FL; l++) {
            if ((l & h) != 0) {
                bits |= 1L << l;
            }
        }
        return bits;
    }

    /** Butterflies of stride h < FL inside each vector (lane l pairs with l ^ h), then whole vectors. */
    @Override
    public void fwht(float[] x, int off, int n) {
        if (n < FL) {
            SCALAR.fwht(x, off, n);
            return;
        }
        for (int i = off; i < off + n; i += FL) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            for (int s = 0; s < LANE_STRIDES; s++) {
                FloatVector partner = v.rearrange(PARTNER[s]);
                v = v.add(partner).blend(partner.sub(v), UPPER[s]); // lower lane: a + b; upper lane: a - b
            }
            v.intoArray(x, i);
        }
        for (int h = FL; h < n; h <<= 1) {
            for (int i = off; i < off + n; i += h << 1) {
                for (int j = i; j < i + h; j += FL) {
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
        for (; i + FL <= n; i += FL) {
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
        for (; i + 2 * FL <= n; i += 2 * FL) { // two chains: a vector min with Java's NaN and -0.0 rules takes several cycles
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector w = FloatVector.fromArray(F, x, i + FL);
            lo = lo.min(v);
            hi = hi.max(v);
            lo2 = lo2.min(w);
            hi2 = hi2.max(w);
        }
        lo = lo.min(lo2);
        hi = hi.max(hi2);
        for (; i + FL <= n; i += FL) {
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
        for (; i + FL <= n; i += FL) {
            FloatVector f = FloatVector.fromArray(F, y, i).sub(vlo).mul(vinv).add(FloatVector.fromArray(F, dither, i))
                    .max(0f).min((float) QueryCode.MAX_LEVEL);
            FloatVector shifted = f.add(TWO_TO_23);
            IntVector roundedUp = shifted.sub(TWO_TO_23).sub(f).reinterpretAsInts().neg().lanewise(VectorOperators.LSHR, 31);
            IntVector v = shifted.reinterpretAsInts().sub(TWO_TO_23_BITS).sub(roundedUp);
            sum = sum.add(v);
            ByteVector levels = (ByteVector) v.convertShape(VectorOperators.I2B, LEVELS, 0);
            if (LEVELS.length() == FL) {
                levels.intoArray(qu, i);
            } else {
                levels.intoArray(qu, i, LEVEL_LANES);
            }
        }
        return sum.reduceLanes(VectorOperators.ADD) + ScalarScanKernel.quantize(y, i, n, lo, inv, dither, qu);
    }

    /**
     * Part p of the scalar kernel's two 16-lane accumulators covers elements {@code 32 m + p FL + l} (first) and
     * {@code 32 m + 16 + p FL + l} (second); the parts are summed lane by lane in the scalar order.
     */
    @Override
    public float squaredL2(float[] a, float[] b, int off) {
        int n = a.length;
        int full = n & ~31;
        boolean half = n - full >= 16;
        float s = 0f;
        for (int p = 0; p < PARTS; p++) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            for (int i = p * FL; i < full; i += 32) {
                FloatVector d0 = FloatVector.fromArray(F, a, i).sub(FloatVector.fromArray(F, b, off + i));
                FloatVector d1 = FloatVector.fromArray(F, a, i + 16).sub(FloatVector.fromArray(F, b, off + i + 16));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
            }
            if (half) {
                int i = full + p * FL;
                FloatVector d0 = FloatVector.fromArray(F, a, i).sub(FloatVector.fromArray(F, b, off + i));
                acc0 = d0.fma(d0, acc0);
            }
            s = addLanes(s, acc0.add(acc1));
        }
        for (int i = half ? full + 16 : full; i < n; i++) {
            float d = a[i] - b[off + i];
            s = Math.fma(d, d, s);
        }
        return s;
    }

    @Override
    public float dot(float[] a, float[] b, int off) {
        int n = a.length;
        int full = n & ~31;
        boolean half = n - full >= 16;
        float s = 0f;
        for (int p = 0; p < PARTS; p++) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            for (int i = p * FL; i < full; i += 32) {
                acc0 = FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, off + i), acc0);
                acc1 = FloatVector.fromArray(F, a, i + 16).fma(FloatVector.fromArray(F, b, off + i + 16), acc1);
            }
            if (half) {
                int i = full + p * FL;
                acc0 = FloatVector.fromArray(F, a, i).fma(FloatVector.fromArray(F, b, off + i), acc0);
            }
            s = addLanes(s, acc0.add(acc1));
        }
        for (int i = half ? full + 16 : full; i < n; i++) {
            s = Math.fma(a[i], b[off + i], s);
        }
        return s;
    }

    /**
     * One flat loop over (plane, word) pairs, so the accumulators are the only vectors carried by a loop (a vector
     * carried by an inner loop of variable length is boxed by C2). Each 16-coordinate chunk of a plane word is decoded
     * in FL-lane parts: the word's bits are broadcast, shifted by the lane index and masked to one bit per lane,
     * shifted to the plane's weight and converted (exactly) to floats.
     */
    @Override
    public float codeDot(long[] signs, int signOff, long[] extra, int extraOff, int extraPlanes, int words, float[] y) {
        float s = 0f;
        for (int p = 0; p < PARTS; p++) {
            int lane0 = p * FL;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            for (int t = 0, end = (extraPlanes + 1) * words; t < end; t++) {
                int plane = t / words;
                int w = t - plane * words;
                long word = plane < extraPlanes ? extra[extraOff + t] : signs[signOff + w];
                int at = 64 * w + lane0;
                acc0 = weightedBits(word, lane0, plane).fma(FloatVector.fromArray(F, y, at), acc0);
                acc1 = weightedBits(word, 16 + lane0, plane).fma(FloatVector.fromArray(F, y, at + 16), acc1);
                acc0 = weightedBits(word, 32 + lane0, plane).fma(FloatVector.fromArray(F, y, at + 32), acc0);
                acc1 = weightedBits(word, 48 + lane0, plane).fma(FloatVector.fromArray(F, y, at + 48), acc1);
            }
            s = addLanes(s, acc0.add(acc1));
        }
        return s;
    }

    /** Lane l holds bit {@code shift + l} of {@code word} times {@code 2^weight}, as a float. */
    private static FloatVector weightedBits(long word, int shift, int weight) {
        return (FloatVector) IntVector.broadcast(I, (int) (word >>> shift)).lanewise(VectorOperators.LSHR, LANE_INDEX).and(1)
                .lanewise(VectorOperators.LSHL, weight).convert(VectorOperators.I2F, 0);
    }

    /** {@code s} plus the lanes of {@code v} one at a time, in lane order (reduceLanes has no fixed order). */
    private static float addLanes(float s, FloatVector v) {
        for (int l = 0; l < FL; l++) {
            s += v.lane(l);
        }
        return s;
    }

    /** Each 16-column block is computed as {@code 16 / FL} parts of FL columns; every column keeps its own order. */
    @Override
    public void blockDots(float[] x, int xOff, int rows, int dim, float[] table, int b0, int b1, float[] out, int outOff) {
        int columns = table.length / dim;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int x0 = xOff + r * dim;
            for (int b = b0; b < b1; b++) {
                for (int p = 0; p < PARTS; p++) {
                    FloatVector a0 = FloatVector.zero(F);
                    FloatVector a1 = FloatVector.zero(F);
                    FloatVector a2 = FloatVector.zero(F);
                    FloatVector a3 = FloatVector.zero(F);
                    int t = b * dim * 16 + p * FL;
                    for (int d = 0; d < dim; d++, t += 16) {
                        FloatVector col = FloatVector.fromArray(F, table, t);
                        a0 = FloatVector.broadcast(F, x[x0 + d]).fma(col, a0);
                        a1 = FloatVector.broadcast(F, x[x0 + dim + d]).fma(col, a1);
                        a2 = FloatVector.broadcast(F, x[x0 + 2 * dim + d]).fma(col, a2);
                        a3 = FloatVector.broadcast(F, x[x0 + 3 * dim + d]).fma(col, a3);
                    }
                    int o = outOff + r * columns + b * 16 + p * FL;
                    a0.intoArray(out, o);
                    a1.intoArray(out, o + columns);
                    a2.intoArray(out, o + 2 * columns);
                    a3.intoArray(out, o + 3 * columns);
                }
            }
        }
        for (; r < rows; r++) {
            int xr = xOff + r * dim;
            int b = b0;
            for (; b + 4 <= b1; b += 4) { // four blocks at once: independent accumulators hide the FMA latency
                for (int p = 0; p < PARTS; p++) {
                    FloatVector a0 = FloatVector.zero(F);
                    FloatVector a1 = FloatVector.zero(F);
                    FloatVector a2 = FloatVector.zero(F);
                    FloatVector a3 = FloatVector.zero(F);
                    int t = b * dim * 16 + p * FL;
                    int step = dim * 16;
                    for (int d = 0; d < dim; d++, t += 16) {
                        FloatVector xd = FloatVector.broadcast(F, x[xr + d]);
                        a0 = xd.fma(FloatVector.fromArray(F, table, t), a0);
                        a1 = xd.fma(FloatVector.fromArray(F, table, t + step), a1);
                        a2 = xd.fma(FloatVector.fromArray(F, table, t + 2 * step), a2);
                        a3 = xd.fma(FloatVector.fromArray(F, table, t + 3 * step), a3);
                    }
                    int o = outOff + r * columns + b * 16 + p * FL;
                    a0.intoArray(out, o);
                    a1.intoArray(out, o + 16);
                    a2.intoArray(out, o + 32);
                    a3.intoArray(out, o + 48);
                }
            }
            for (; b < b1; b++) {
                for (int p = 0; p < PARTS; p++) {
                    FloatVector a = FloatVector.zero(F);
                    int t = b * dim * 16 + p * FL;
                    for (int d = 0; d < dim; d++, t += 16) {
                        a = FloatVector.broadcast(F, x[xr + d]).fma(FloatVector.fromArray(F, table, t), a);
                    }
                    a.intoArray(out, outOff + r * columns + b * 16 + p * FL);
                }
            }
        }
    }
}
