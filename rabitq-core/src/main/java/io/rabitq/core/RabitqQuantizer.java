package io.rabitq.core;

/**
 * The RaBitQ quantizer of Gao &amp; Long (SIGMOD 2024) with per-cluster centroid normalization.
 *
 * <p><b>Codes.</b> For a vector o with cluster centroid c, the residual r = o - c is zero-padded to P
 * dimensions and rotated: r' = R r. The code bit i is 1 iff r'_i &gt;= 0, i.e. the quantized unit vector is
 * x̄ = (2b - 1)/sqrt(P). With x0 = &lt;x̄, r'/||r||&gt; = sum|r'_i| / (sqrt(P) ||r||) (about 0.8), the unbiased
 * estimator of the paper is &lt;r, q - c&gt; ≈ ||r|| &lt;x̄, R(q - c)&gt; / x0, with error at most
 * ||r|| ||q - c|| sqrt(1/x0^2 - 1) ε0 / sqrt(P - 1) with high probability (ε0 = {@value #EPSILON0}).
 *
 * <p><b>Factors</b> (computed in double, stored as float). L2: fAdd = ||r||^2, fIp = -2||r|| / (x0 sqrt P),
 * fErr = 2||r|| sqrt(1/x0^2 - 1) ε0 / sqrt(P - 1). Inner product (distance -&lt;o, q&gt;): fAdd = -&lt;r, c&gt;,
 * fIp = -||r|| / (x0 sqrt P), fErr = ||r|| sqrt(1/x0^2 - 1) ε0 / sqrt(P - 1). Both: fPpc = fIp (2 popcount - P).
 *
 * <p><b>Query.</b> Per probed cluster the rotated residual y = R(q - c) is quantized to B = 5 bits (the paper
 * shows 4 suffice; the fifth costs nothing in the FastScan kernel and halves the rounding error),
 * qu_i = floor((y_i - low)/Δ + u_i) with Δ = (max - low)/31 and a fixed per-dimension dither u_i in [0, 1)
 * (randomized rounding, unbiased, reproducible from the seed). Then
 * {@code est = fAdd + G + fPpc*low + fIp*(2Δ<b, qu> - Δ sum(qu))} with G = ||q - c||^2 (L2) or -&lt;q, c&gt; (IP),
 * and the lower bound subtracts fErr * ||q - c|| plus the rounding error bound |fIp| ε0 sqrt(P) Δ / 2 (the
 * dithered rounding error of &lt;x̄, y&gt; has standard deviation at most Δ/2).
 *
 * <p><b>Folded mode</b> (as in the RaBitQ library): y = R q is quantized once per query and fAdd absorbs
 * -fIp sqrt(P) &lt;x̄, R c&gt;, so per cluster only G and ||q - c|| change. Rounding error then scales with
 * ||q|| instead of ||q - c||.
 */
final class RabitqQuantizer {
    /** Confidence parameter of the error bound, fixed as in the paper. */
    public static final double EPSILON0 = 1.9;

    private final Rotation rotation;
    private final boolean innerProduct;
    private final int dim;
    private final int pdim;
    private final float[] dither;
    private final boolean foldCentroids;

    /**
     * @param innerProduct  true for the inner-product estimator, false for squared L2
     * @param foldCentroids quantize the query once per query instead of once per (query, cluster), folding
     *                      each vector's centroid term into fAdd: cheaper when many clusters are scanned,
     *                      slightly less precise
     */
    RabitqQuantizer(Rotation rotation, boolean innerProduct, boolean foldCentroids) {
        this.rotation = rotation;
        this.innerProduct = innerProduct;
        this.foldCentroids = foldCentroids;
        this.dim = rotation.dim();
        this.pdim = rotation.paddedDim();
        this.dither = new float[pdim];
        SeededRandom rnd = SeededRandom.forPurpose(rotation.seed(), 4);
        for (int i = 0; i < pdim; i++) {
            dither[i] = (float) rnd.nextDouble();
        }
    }

    public Rotation rotation() {
        return rotation;
    }

    public int paddedDim() {
        return pdim;
    }

    /** Words per code. */
    public int words() {
        return pdim / 64;
    }

    /**
     * Quantizes {@code n} rows of {@code vectors} (row-major, original dimension) that belong to the cluster with
     * {@code centroid}, to {@code bits} bits per padded dimension (1: sign bits only; more: plus the
     * {@link ExtendedCode}). Raw rows are kept for exact rerank when {@code keepRaw}.
     */
    ClusterCodes encode(float[] centroid, long[] ids, float[] vectors, int bits, boolean keepRaw, boolean pack) {
        int n = ids.length;
        int words = words();
        int padded = ClusterCodes.paddedRows(n);
        long[] codes = new long[n * words];
        float[] fAdd = new float[padded];
        float[] fIp = new float[padded];
        float[] fPpc = new float[padded];
        float[] fErr = new float[padded];
        java.util.Arrays.fill(fAdd, n, padded, Float.POSITIVE_INFINITY);
        float[] r = new float[dim];
        float[] rot = new float[pdim];
        float[] rotatedCentroid = new float[pdim];
        rotation.rotate(centroid, rotatedCentroid);
        double centroidSum = 0;
        for (float v : rotatedCentroid) {
            centroidSum += v;
        }
        double errScale = EPSILON0 / Math.sqrt(pdim - 1.0);
        double sqrtP = Math.sqrt(pdim);
        int ex = bits - 1;
        long[] exPlanes = ex > 0 ? new long[n * ex * words] : null;
        float[][] exFactors = ex > 0 ? new float[3][n] : null;
        double[] abs = new double[pdim];
        int[] mags = new int[pdim];
        double[] gr = new double[3];
        for (int i = 0; i < n; i++) {
            double norm2 = 0;
            double rc = 0;
            for (int d = 0; d < dim; d++) {
                float x = vectors[i * dim + d] - centroid[d];
                r[d] = x;
                norm2 += (double) x * x;
                rc += (double) x * centroid[d];
            }
            rotation.rotate(r, rot);
            double l1 = 0;
            double rotNorm2 = 0;
            double centroidOnes = 0;
            int pop = 0;
            for (int d = 0; d < pdim; d++) {
                float x = rot[d];
                l1 += Math.abs(x);
                rotNorm2 += (double) x * x;
                if (x >= 0) {
                    codes[i * words + (d >>> 6)] |= 1L << (d & 63);
                    centroidOnes += rotatedCentroid[d];
                    pop++;
                }
            }
            double norm = Math.sqrt(norm2);
            double ipFactor = 0;
            double errFactor = 0;
            if (norm > 0 && rotNorm2 > 0) {
                double x0 = l1 / (sqrtP * Math.sqrt(rotNorm2));
                ipFactor = -norm / (x0 * sqrtP);
                errFactor = norm * Math.sqrt(Math.max(0, 1.0 / (x0 * x0) - 1.0)) * errScale;
            }
            if (innerProduct) {
                fAdd[i] = (float) -rc;
            } else {
                fAdd[i] = (float) norm2;
                ipFactor *= 2;
                errFactor *= 2;
            }
            if (foldCentroids) { // est uses <x̄, Rq> = <x̄, R(q - c)> + <x̄, Rc>; move the second term into fAdd
                fAdd[i] = (float) (fAdd[i] - ipFactor * (2 * centroidOnes - centroidSum));
            }
            fIp[i] = (float) ipFactor;
            fPpc[i] = (float) (ipFactor * (2.0 * pop - pdim));
            fErr[i] = (float) errFactor;
            if (ex > 0) {
                ExtendedCode.encode(rot, rotatedCentroid, pdim, ex, abs, mags, exPlanes, i * ex * words, gr);
                double scale = innerProduct ? 1 : 2;
                double cos = gr[0] > 0 ? gr[0] / Math.sqrt(gr[1] * rotNorm2) : 0;
                double rescale = gr[0] > 0 ? -scale * norm * Math.sqrt(rotNorm2) / gr[0] : 0;
                exFactors[0][i] = (float) ((innerProduct ? -rc : norm2) - rescale * gr[2]);
                exFactors[1][i] = (float) rescale;
                exFactors[2][i] = cos > 0 ? (float) (scale * norm * Math.sqrt(Math.max(0, 1 / (cos * cos) - 1)) * errScale) : 0f;
            }
        }
        return new ClusterCodes(pdim, ids.clone(), codes, fAdd, fIp, fPpc, fErr, keepRaw ? RawVectors.of(vectors.clone(), dim) : null, pack,
                bits, exPlanes, exFactors);
    }

    /**
     * Prepares {@code out} to scan the cluster whose rotated centroid is {@code rotatedCentroid}: quantizes
     * {@code R(q - c)} (per-cluster mode) or {@code R q} (folded mode, where this is done once per query by
     * {@link #quantize} and only the cluster terms change here).
     *
     * @param rotatedQuery R q, padded dimension
     * @param withBound    whether lower bounds are wanted (else the error scales are 0 and lb = est)
     */
    void prepare(float[] rotatedQuery, float[] rotatedCentroid, boolean withBound, QueryCode out, ScanKernel kernel) {
        float norm2 = kernel.squaredL2(rotatedQuery, rotatedCentroid, 0);
        if (!foldCentroids) {
            float[] y = out.residual;
            for (int i = 0; i < pdim; i++) {
                y[i] = rotatedQuery[i] - rotatedCentroid[i];
            }
            quantize(y, withBound, out, kernel);
        }
        out.clusterTerm = innerProduct ? -kernel.dot(rotatedQuery, rotatedCentroid, 0) : norm2;
        out.errorScale = withBound ? (float) Math.sqrt(norm2) : 0f;
    }

    /**
     * Quantizes {@code y} (padded dimension) to {@value QueryCode#BITS} bits into {@code out} and lets the kernel encode it. In folded
     * mode call it once per query with {@code y = R q}.
     */
    void quantize(float[] y, boolean withBound, QueryCode out, ScanKernel kernel) {
        float[] range = out.range;
        kernel.range(y, pdim, range);
        float lo = range[0];
        float delta = (range[1] - lo) / QueryCode.MAX_LEVEL;
        int sum = kernel.quantize(y, pdim, lo, delta > 0 ? 1f / delta : 0f, dither, out.qu);
        out.low = lo;
        out.ipScale = 2f * delta;
        out.ipBias = -delta * sum;
        out.roundingScale = withBound ? (float) (EPSILON0 * Math.sqrt(pdim) * delta / 2) : 0f;
        kernel.encode(out, pdim);
    }

    /** Whether the query is quantized once ({@code R q}) rather than per cluster ({@code R(q - c)}). */
    public boolean foldsCentroids() {
        return foldCentroids;
    }

    /**
     * Estimate with the unquantized (float) query residual {@code y = R(q - c)}: used by the asymmetric-float
     * index variant and as an accuracy oracle. Same factors, no query-quantization error.
     */
    static float estimateFloat(ClusterCodes c, int row, float[] y, float ySum, float clusterTerm) {
        int words = c.words;
        long[] signs = new long[words];
        c.signWords(row, signs);
        double s1 = 0;
        for (int w = 0; w < words; w++) {
            long bits = signs[w];
            while (bits != 0) {
                int b = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                s1 += y[(w << 6) + b];
            }
        }
        return (float) (c.fAdd[row] + clusterTerm + c.fIp[row] * (2 * s1 - ySum));
    }
}
