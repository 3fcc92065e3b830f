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
 * <p><b>Estimator.</b> {@code <r, y> ≈ ||r||^2 <g, y> / <g, r'>} for the rotated query residual y, unbiased by the
 * same argument as the 1-bit code's, with error at most {@code ||r|| ||y|| sqrt(1/cos^2 - 1) ε0 / sqrt(P - 1)} w.h.p.,
 * cos being the cosine of g and r'. Factors per vector (computed in double, stored as float): L2 —
 * {@code fAdd = ||r||^2}, {@code fRescale = -2 ||r||^2 / <g, r'>}, {@code fErr = 2 ||r|| sqrt(1/cos^2 - 1) ε0/sqrt(P-1)};
 * inner product — {@code fAdd = -<r, c>} and the others without the factor 2. Then
 * {@code est = fAdd + G + fRescale <g, y>} with G the query's cluster term and {@code lb = est - fErr ||q - c||}.
 *
 * <p>{@code <g, y>} is computed on y quantized to {@value #QUERY_LEVEL}-level signed integers {@code q_i} with
 * {@code y ≈ step * q}: {@code 2 <g, y> / step = 2^B S_sign + 2 S_e - (2^B - 1) S_q}, where {@code S_sign} sums q over
 * the sign bits, {@code S_e = sum_j 2^j (sum of q over plane j)} and {@code S_q} over all coordinates. The sums are
 * exact integers, so every kernel returns the same floats.
 */
final class ExtendedCode {
    /** Largest bits per dimension (1 sign bit + 8 extra bits). */
    static final int MAX_BITS = 9;
    /** Largest magnitude of a quantized query coordinate: the query side adds error far below 2^-9. */
    static final int QUERY_LEVEL = (1 << 14) - 1;
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
        double best = num / Math.sqrt(den);
        int bestSteps = 0;
        int steps = 0;
        while (!events.isEmpty() && events.minKey() < tEnd) {
            int i = events.pop();
            den += 2 * k[i] + 2; // (k + 1.5)^2 - (k + 0.5)^2
            num += abs[i];
            k[i]++;
            steps++;
            if (k[i] < maxK) {
                events.push((k[i] + 1) / abs[i], i);
            }
            double f = num / Math.sqrt(den);
            if (f > best) {
                best = f;
                bestSteps = steps;
            }
        }
        // replay the same event order up to the best point (recomputing k from t could round differently)
        System.arraycopy(start, 0, k, 0, n);
        events.clear();
        for (int i = 0; i < n; i++) {
            if (k[i] < maxK && abs[i] > 0) {
                events.push((k[i] + 1) / abs[i], i);
            }
        }
        for (int s = 0; s < bestSteps; s++) {
            int i = events.pop();
            k[i]++;
            if (k[i] < maxK) {
                events.push((k[i] + 1) / abs[i], i);
            }
        }
    }

    /**
     * Encodes one rotated residual {@code rot} (padded dimension {@code pdim}, squared norm {@code norm2} of the
     * unrotated residual) into {@code planes} at {@code off} and returns {@code <g, r'>}, {@code ||g||^2} in
     * {@code out[0], out[1]}.
     */
    static void encode(float[] rot, int pdim, int ex, double[] abs, int[] k, long[] planes, int off, double[] out) {
        double norm = 0;
        for (int i = 0; i < pdim; i++) {
            abs[i] = Math.abs(rot[i]);
            norm += abs[i] * abs[i];
        }
        magnitudes(abs, pdim, ex, k);
        int maxK = (1 << ex) - 1;
        int words = pdim / 64;
        double ip = 0;
        double g2 = 0;
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
        }
        out[0] = ip;
        out[1] = g2;
    }

    /** The quantized query residual of one cluster: {@code y ≈ step * q}, {@code sum} of q. */
    static final class Query {
        final int[] q;
        float halfStep;
        long sum;

        Query(int pdim) {
            q = new int[pdim];
        }

        /** Quantizes {@code y[0, pdim)}, rounding half to even: the same integers on every kernel. */
        void quantize(float[] y, int pdim) {
            float max = 0;
            for (int i = 0; i < pdim; i++) {
                max = Math.max(max, Math.abs(y[i]));
            }
            float step = max / QUERY_LEVEL;
            float inv = max > 0 ? QUERY_LEVEL / max : 0f;
            long s = 0;
            for (int i = 0; i < pdim; i++) {
                int v = (int) Math.rint(y[i] * inv);
                q[i] = v;
                s += v;
            }
            sum = s;
            halfStep = step * 0.5f;
        }
    }

    /** {@code 2 <g, y> / step} of row {@code row} of {@code c} for the quantized residual {@code y}. */
    static long scaledDot(ClusterCodes c, int row, Query y, ScanKernel kernel) {
        int words = c.words;
        int ex = c.bits - 1;
        long sign = kernel.maskedSum(c.codes, row * words, words, y.q);
        long e = 0;
        int base = row * ex * words;
        for (int j = ex - 1; j >= 0; j--) {
            e = 2 * e + kernel.maskedSum(c.exPlanes, base + j * words, words, y.q);
        }
        return (sign << c.bits) + 2 * e - ((1L << c.bits) - 1) * y.sum;
    }

    /** The extended estimate of row {@code row} of {@code c}; {@code clusterTerm} as in {@link QueryCode#clusterTerm}. */
    static float estimate(ClusterCodes c, int row, Query y, float clusterTerm, ScanKernel kernel) {
        float dot = (float) scaledDot(c, row, y, kernel) * y.halfStep;
        return Math.fma(c.fRescaleEx[row], dot, c.fAddEx[row] + clusterTerm);
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

        void clear() {
            size = 0;
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
