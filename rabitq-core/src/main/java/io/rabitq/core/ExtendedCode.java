package io.rabitq.core;

/**
 * The extra bits of extended RaBitQ (Gao et al., SIGMOD 2025): with B total bits per padded dimension, each rotated
 * residual coordinate r'_i becomes the grid value {@code g_i = ±(k_i + 1/2)}, its sign the 1-bit code's bit and its
 * magnitude {@code k_i} in {@code [0, 2^(B-1))} chosen, for the whole vector at once, by the rescaling search: the
 * factor t maximising the cosine between {@code g} and {@code r'} with {@code k_i = min(floor(t |o_i|), 2^(B-1) - 1)}.
 *
 * <p><b>Storage.</b> The B - 1 extra bits of coordinate i are {@code e_i = k_i} when r'_i &gt;= 0 and
 * {@code 2^(B-1) - 1 - k_i} otherwise (so the total code {@code u_i = 2^(B-1) sign_i + e_i} is monotone in r'_i),
 * kept as B - 1 bit planes of {@code paddedDim} bits per vector: plane j of row n at words
 * {@code [(n (B-1) + j) words, ... + words)}, bit {@code i % 64} of word {@code i / 64} for coordinate i.
 *
 * <p><b>Estimator.</b> {@code <r, y> ≈ ||r||^2 <g, y> / <g, r'>} for the rotated query residual {@code y = R(q - c)},
 * unbiased by the same argument as the 1-bit code's, with error at most
 * {@code ||r|| ||y|| sqrt(1/cos^2 - 1) ε0 / sqrt(P - 1)} w.h.p., cos being the cosine of g and r'. As in the 1-bit
 * folded mode the centroid is folded into the additive factor ({@code <g, y> = <g, Rq> - <g, Rc>}), so the query side is
 * prepared once per query, whatever the number of probed clusters. Factors per vector (computed in double, stored as
 * float), with s = 2 for L2 and 1 for inner product: {@code fRescale = -s ||r|| ||r'|| / <g, r'>},
 * {@code fAdd = ||r||^2 - fRescale <g, Rc>} (L2) or {@code -<r, c> - fRescale <g, Rc>} (inner product),
 * {@code fErr = s ||r|| sqrt(1/cos^2 - 1) ε0 / sqrt(P - 1)}. Then {@code est = fAdd + G + fRescale <g, Rq>} with G the
 * query's cluster term and {@code lb = est - fErr ||q - c||}.
 *
 * <p>{@code <g, Rq> = <u, Rq> - (2^(B-1) - 1/2) sum(Rq)} with the integer code {@code u_i = 2^(B-1) sign_i + e_i}, whose
 * inner product the scan kernel computes from the bit planes ({@link ScanKernel#codeDot}, vectorized, the same floats in
 * every kernel).
 */
final class ExtendedCode {
    /** Largest bits per dimension (1 sign bit + 8 extra bits). */
    static final int MAX_BITS = 9;
    /** Where the rescaling search starts, as a fraction of its end, per number of extra bits (from the reference code). */
    private static final double[] TIGHT_START = {0, 0.15, 0.20, 0.52, 0.59, 0.71, 0.75, 0.77, 0.81};

    private ExtendedCode() {
    }

    /** Fails unless {@code bits} is a supported number of bits per dimension. */
    static void checkBits(int bits) {
        if (bits < 1 || bits > MAX_BITS) {
            throw new InvalidParameterException("bits per dimension must be 1 to " + MAX_BITS + " but was " + bits
                    + " (1 = sign bits only; each extra bit roughly halves the estimation error)");
        }
    }

    /**
     * Chooses the magnitudes {@code k} of one rotated residual by the rescaling search.
     *
     * @param abs   |r'_i| for the {@code n} coordinates (any positive scale)
     * @param ex    extra bits, 1 to 8
     * @param k     out: magnitudes in {@code [0, 2^ex)}
     */
    static void magnitudes(double[] abs, int n, int ex, int[] k) {
        int maxK = (1 << ex) - 1;
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, abs[i]);
        }
        if (max == 0) {
            java.util.Arrays.fill(k, 0, n, 0);
            return;
        }
        double tEnd = (maxK + 10) / max;
        double tStart = tEnd * TIGHT_START[ex];
        EventHeap events = new EventHeap(n);
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            k[i] = Math.min((int) (tStart * abs[i]), maxK);
            num += (k[i] + 0.5) * abs[i];
            den += (k[i] + 0.5) * (k[i] + 0.5);
            if (k[i] < maxK && abs[i] > 0) {
                events.push((k[i] + 1) / abs[i], i);
            }
        }
        int[] start = k.clone();
        int[] order = new int[Math.max(16, n)]; // the coordinates in event order, to replay up to the best point
        double best = num / Math.sqrt(den);
        int bestSteps = 0;
        int steps = 0;
        while (!events.isEmpty() && events.minKey() < tEnd) {
            int i = events.pop();
            den += 2 * k[i] + 2; // (k + 1.5)^2 - (k + 0.5)^2
            num += abs[i];
            k[i]++;
            if (steps == order.length) {
                order = java.util.Arrays.copyOf(order, 2 * steps);
            }
            order[steps++] = i;
            if (k[i] < maxK) {
                events.push((k[i] + 1) / abs[i], i);
            }
            double f = num / Math.sqrt(den);
            if (f > best) {
                best = f;
                bestSteps = steps;
            }
        }
        System.arraycopy(start, 0, k, 0, n);
        for (int s = 0; s < bestSteps; s++) {
            k[order[s]]++;
        }
    }

    /**
     * Encodes one rotated residual {@code rot} (padded dimension {@code pdim}) into {@code planes} at {@code off} and
     * returns {@code <g, r'>}, {@code ||g||^2} and {@code <g, Rc>} in {@code out[0..2]}.
     */
    static void encode(float[] rot, float[] rotatedCentroid, int pdim, int ex, double[] abs, int[] k, long[] planes, int off,
                       double[] out) {
        for (int i = 0; i < pdim; i++) {
            abs[i] = Math.abs(rot[i]);
        }
        magnitudes(abs, pdim, ex, k);
        int maxK = (1 << ex) - 1;
        int words = pdim / 64;
        double ip = 0;
        double g2 = 0;
        double gc = 0;
        for (int i = 0; i < pdim; i++) {
            boolean positive = rot[i] >= 0;
            int e = positive ? k[i] : maxK - k[i];
            for (int j = 0; j < ex; j++) {
                if ((e >>> j & 1) != 0) {
                    planes[off + j * words + (i >>> 6)] |= 1L << (i & 63);
                }
            }
            double g = k[i] + 0.5;
            ip += g * abs[i];
            g2 += g * g;
            gc += (positive ? g : -g) * rotatedCentroid[i];
        }
        out[0] = ip;
        out[1] = g2;
        out[2] = gc;
    }

    /** A rotated query {@code y = Rq} and its coordinate sum, with the kernel that computes its code inner products. */
    static final class Query {
        final float[] y;
        final float sum;
        final ScanKernel kernel;
        /** One row's sign words, decoded from a packed cluster. */
        final long[] signs;

        Query(float[] y, ScanKernel kernel) {
            this.y = y;
            this.signs = new long[y.length / 64];
            this.kernel = kernel;
            double s = 0;
            for (float v : y) {
                s += v;
            }
            sum = (float) s;
        }
    }

    /** {@code <g, Rq>} of row {@code row} of {@code c}. */
    static float dot(ClusterCodes c, int row, Query q) {
        int words = c.words;
        int ex = c.bits - 1;
        float top = 1 << ex;
        long[] signs = c.codes;
        int at = row * words;
        if (signs == null) {
            c.signWords(row, q.signs);
            signs = q.signs;
            at = 0;
        }
        return q.kernel.codeDot(signs, at, c.exPlanes, row * ex * words, ex, words, q.y) - (top - 0.5f) * q.sum;
    }

    /** The extended estimate of row {@code row} of {@code c}; {@code clusterTerm} as in {@link QueryCode#clusterTerm}. */
    static float estimate(ClusterCodes c, int row, Query q, float clusterTerm) {
        return Math.fma(c.fRescaleEx[row], dot(c, row, q), c.fAddEx[row] + clusterTerm);
    }

    /** A binary min-heap of (t, coordinate) events. */
    private static final class EventHeap {
        private final double[] keys;
        private final int[] values;
        private int size;

        EventHeap(int capacity) {
            keys = new double[capacity];
            values = new int[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        double minKey() {
            return keys[0];
        }

        void push(double key, int value) {
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (!before(key, value, keys[p], values[p])) {
                    break;
                }
                keys[i] = keys[p];
                values[i] = values[p];
                i = p;
            }
            keys[i] = key;
            values[i] = value;
        }

        int pop() {
            int top = values[0];
            double key = keys[--size];
            int value = values[size];
            int i = 0;
            while (true) {
                int l = 2 * i + 1;
                if (l >= size) {
                    break;
                }
                int m = l + 1 < size && before(keys[l + 1], values[l + 1], keys[l], values[l]) ? l + 1 : l;
                if (!before(keys[m], values[m], key, value)) {
                    break;
                }
                keys[i] = keys[m];
                values[i] = values[m];
                i = m;
            }
            keys[i] = key;
            values[i] = value;
            return top;
        }

        /** Ties broken by coordinate, so the event order is deterministic. */
        private static boolean before(double k1, int v1, double k2, int v2) {
            return k1 < k2 || (k1 == k2 && v1 < v2);
        }
    }
}
