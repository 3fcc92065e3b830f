package io.rabitq.core;

/**
 * Portable kernel: per vector and code word, {@code sum_j 2^j * popcount(code & plane_j)} over the 5 query
 * bit planes ({@code Long.bitCount} is a JIT intrinsic), then the shared float epilogue. Always available.
 * Its float distance functions follow the vector kernel's 16-lane, two-accumulator summation order so that
 * both kernels return identical floats.
 */
final class ScalarScanKernel implements ScanKernel {
    static final int LANES = 16;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public boolean needsPackedCodes() {
        return false;
    }

    @Override
    public void encode(QueryCode q, int paddedDim) {
        long[] planes = q.planes;
        java.util.Arrays.fill(planes, 0L);
        byte[] qu = q.qu;
        for (int i = 0; i < paddedDim; i++) {
            int v = qu[i];
            int w = i >>> 6;
            long bit = 1L << (i & 63);
            for (int j = 0; j < QueryCode.BITS; j++) {
                if ((v & (1 << j)) != 0) {
                    planes[QueryCode.BITS * w + j] |= bit;
                }
            }
        }
    }

    @Override
    public void scan(ClusterCodes c, QueryCode[] queries, CandidateSink[] sinks, int n) {
        for (int j = 0; j < n; j++) {
            scanOne(c, queries[j], sinks[j]);
        }
    }

    private static void scanOne(ClusterCodes c, QueryCode q, CandidateSink sink) {
        final int words = c.words;
        final long[] codes = c.signWords(); // the held words (a cluster packed for the vector kernel: decoded)
        final long[] p = q.planes;
        final float scale = q.ipScale;
        final float bias = q.ipBias;
        final float low = q.low;
        final float term = q.clusterTerm;
        final float negErr = -q.errorScale;
        final float rounding = q.roundingScale;
        for (int i = 0; i < c.size; i++) {
            int base = i * words;
            int ip = 0;
            for (int w = 0; w < words; w++) {
                long x = codes[base + w];
                int pw = QueryCode.BITS * w;
                ip += Long.bitCount(x & p[pw]) + (Long.bitCount(x & p[pw + 1]) << 1)
                        + (Long.bitCount(x & p[pw + 2]) << 2) + (Long.bitCount(x & p[pw + 3]) << 3)
                        + (Long.bitCount(x & p[pw + 4]) << 4);
            }
            float t = Math.fma((float) ip, scale, bias);
            float u = Math.fma(c.fPpc[i], low, c.fAdd[i] + term);
            float est = Math.fma(c.fIp[i], t, u);
            float lb = Math.fma(c.fErr[i], negErr, Math.fma(c.fIp[i], rounding, est));
            if (lb < sink.threshold()) {
                sink.offer(i, est, lb);
            }
        }
    }

    @Override
    public void fwht(float[] x, int off, int n) {
        for (int h = 1; h < n; h <<= 1) {
            for (int i = off; i < off + n; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    float a = x[j];
                    float b = x[j + h];
                    x[j] = a + b;
                    x[j + h] = a - b;
                }
            }
        }
    }

    @Override
    public void butterflies(float[] x, int a, int b, int n, float scale) {
        for (int i = 0; i < n; i++) {
            float u = x[a + i];
            float v = x[b + i];
            x[a + i] = (u + v) * scale;
            x[b + i] = (u - v) * scale;
        }
    }

    @Override
    public void range(float[] x, int n, float[] out) {
        out[0] = Float.POSITIVE_INFINITY;
        out[1] = Float.NEGATIVE_INFINITY;
        widenRange(x, 0, n, out);
    }

    /** Widens {@code out} (smallest, largest) by {@code x[from, to)}. */
    static void widenRange(float[] x, int from, int to, float[] out) {
        float lo = out[0];
        float hi = out[1];
        for (int i = from; i < to; i++) {
            lo = Math.min(lo, x[i]);
            hi = Math.max(hi, x[i]);
        }
        out[0] = lo;
        out[1] = hi;
    }

    @Override
    public int quantize(float[] y, int n, float lo, float inv, float[] dither, byte[] qu) {
        return quantize(y, 0, n, lo, inv, dither, qu);
    }

    /** {@link #quantize(float[], int, float, float, float[], byte[])} of {@code y[from, to)}. */
    static int quantize(float[] y, int from, int to, float lo, float inv, float[] dither, byte[] qu) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            int v = Math.max(0, Math.min(QueryCode.MAX_LEVEL, (int) ((y[i] - lo) * inv + dither[i])));
            qu[i] = (byte) v;
            sum += v;
        }
        return sum;
    }

    @Override
    public float squaredL2(float[] a, float[] b, int off) {
        float[] acc0 = new float[LANES];
        float[] acc1 = new float[LANES];
        int n = a.length;
        int i = 0;
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            for (int l = 0; l < LANES; l++) {
                float d0 = a[i + l] - b[off + i + l];
                acc0[l] = Math.fma(d0, d0, acc0[l]);
                float d1 = a[i + LANES + l] - b[off + i + LANES + l];
                acc1[l] = Math.fma(d1, d1, acc1[l]);
            }
        }
        if (i + LANES <= n) {
            for (int l = 0; l < LANES; l++) {
                float d0 = a[i + l] - b[off + i + l];
                acc0[l] = Math.fma(d0, d0, acc0[l]);
            }
            i += LANES;
        }
        float s = 0f;
        for (int l = 0; l < LANES; l++) {
            s += acc0[l] + acc1[l];
        }
        for (; i < n; i++) {
            float d = a[i] - b[off + i];
            s = Math.fma(d, d, s);
        }
        return s;
    }

    @Override
    public float dot(float[] a, float[] b, int off) {
        float[] acc0 = new float[LANES];
        float[] acc1 = new float[LANES];
        int n = a.length;
        int i = 0;
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            for (int l = 0; l < LANES; l++) {
                acc0[l] = Math.fma(a[i + l], b[off + i + l], acc0[l]);
                acc1[l] = Math.fma(a[i + LANES + l], b[off + i + LANES + l], acc1[l]);
            }
        }
        if (i + LANES <= n) {
            for (int l = 0; l < LANES; l++) {
                acc0[l] = Math.fma(a[i + l], b[off + i + l], acc0[l]);
            }
            i += LANES;
        }
        float s = 0f;
        for (int l = 0; l < LANES; l++) {
            s += acc0[l] + acc1[l];
        }
        for (; i < n; i++) {
            s = Math.fma(a[i], b[off + i], s);
        }
        return s;
    }

    @Override
    public float codeDot(long[] signs, int signOff, long[] extra, int extraOff, int extraPlanes, int words, float[] y) {
        float[] acc0 = new float[LANES];
        float[] acc1 = new float[LANES];
        for (int t = 0, end = (extraPlanes + 1) * words; t < end; t++) {
            int plane = t / words;
            int w = t - plane * words;
            long word = plane < extraPlanes ? extra[extraOff + t] : signs[signOff + w];
            for (int i = 0; i < 64; i++) {
                float[] acc = (i & 16) == 0 ? acc0 : acc1; // coordinates 32m + l and 32m + 16 + l, as in dot()
                acc[i & 15] = Math.fma((float) ((int) (word >>> i & 1) << plane), y[64 * w + i], acc[i & 15]);
            }
        }
        float s = 0f;
        for (int l = 0; l < LANES; l++) {
            s += acc0[l] + acc1[l];
        }
        return s;
    }

    @Override
    public void blockDots(float[] x, int xOff, int rows, int dim, float[] table, int b0, int b1, float[] out, int outOff) {
        int columns = table.length / dim;
        float[] acc = new float[LANES];
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * dim;
            for (int b = b0; b < b1; b++) {
                java.util.Arrays.fill(acc, 0f);
                int t = b * dim * LANES;
                for (int d = 0; d < dim; d++, t += LANES) {
                    float v = x[xr + d];
                    for (int l = 0; l < LANES; l++) {
                        acc[l] = Math.fma(v, table[t + l], acc[l]);
                    }
                }
                System.arraycopy(acc, 0, out, outOff + r * columns + b * LANES, LANES);
            }
        }
    }
}
