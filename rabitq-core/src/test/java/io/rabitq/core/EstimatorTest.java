package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The paper's claims, checked on 10,000 (vector, query) pairs through the real encode / prepare / scan path:
 * the estimator is unbiased and the error bound with ε0 = 1.9 covers the errors as the theorem predicts.
 */
class EstimatorTest {
    static final int VECTORS = 100;
    static final int QUERIES = 100;

    /** Estimates of every (vector, query) pair plus the truth, under one configuration. */
    record Pairs(double[] truth, double[] estimate, double[] bound, double[] floatEstimate, double[] floatBound) {
    }

    /** One cluster of vectors around a centroid and queries each correlated with one of them (fixed seed). */
    record Data(int dim, float[] centroid, long[] ids, float[] vectors, float[][] queries) {
        static Data generate(int dim, long seed) {
            Random r = new Random(seed);
            float[] centroid = new float[dim];
            for (int d = 0; d < dim; d++) {
                centroid[d] = (float) (2 * r.nextGaussian());
            }
            float[] vectors = new float[VECTORS * dim];
            long[] ids = new long[VECTORS];
            float[][] residuals = new float[VECTORS][dim];
            for (int i = 0; i < VECTORS; i++) {
                ids[i] = i;
                double scale = 0.5 + 1.5 * r.nextDouble();
                for (int d = 0; d < dim; d++) {
                    residuals[i][d] = (float) (scale * r.nextGaussian());
                    vectors[i * dim + d] = centroid[d] + residuals[i][d];
                }
            }
            // each query is correlated with one vector so true inner products span a wide range
            float[][] queries = new float[QUERIES][dim];
            for (int j = 0; j < QUERIES; j++) {
                int partner = r.nextInt(VECTORS);
                double rho = 2 * r.nextDouble() - 1;
                for (int d = 0; d < dim; d++) {
                    queries[j][d] = (float) (centroid[d] + rho * residuals[partner][d] + Math.sqrt(1 - rho * rho) * r.nextGaussian());
                }
            }
            return new Data(dim, centroid, ids, vectors, queries);
        }

        /** True distance of vector i to query q: squared L2, or the negative inner product. */
        double truth(int i, float[] q, boolean innerProduct) {
            double t = 0;
            for (int d = 0; d < dim; d++) {
                double o = vectors[i * dim + d];
                t += innerProduct ? -o * q[d] : (o - q[d]) * (o - q[d]);
            }
            return t;
        }
    }

    static Pairs run(int dim, boolean innerProduct, boolean folded, long seed) {
        Data data = Data.generate(dim, seed);
        ScanKernel kernel = Kernels.scalar();
        Rotation rotation = Rotation.create(RotationKind.FHT_KAC, seed, dim);
        RabitqQuantizer quantizer = new RabitqQuantizer(rotation, innerProduct, folded);
        ClusterCodes codes = quantizer.encode(data.centroid(), data.ids(), data.vectors(), 1, false, false);
        int pdim = rotation.paddedDim();
        float[] rc = new float[pdim];
        rotation.rotate(data.centroid(), rc);
        int pairs = VECTORS * QUERIES;
        double[] truth = new double[pairs];
        double[] est = new double[pairs];
        double[] bound = new double[pairs];
        double[] fest = new double[pairs];
        double[] fbound = new double[pairs];
        QueryCode code = new QueryCode(pdim);
        for (int j = 0; j < QUERIES; j++) {
            float[] q = data.queries()[j];
            float[] rq = new float[pdim];
            rotation.rotate(q, rq);
            if (folded) {
                quantizer.quantize(rq, true, code, kernel);
            }
            quantizer.prepare(rq, rc, true, code, kernel);
            float[] y = new float[pdim];
            double ySum = 0;
            for (int i = 0; i < pdim; i++) {
                y[i] = folded ? rq[i] : rq[i] - rc[i];
                ySum += y[i];
            }
            float[][] scanned = scanAll(kernel, codes, code);
            for (int i = 0; i < VECTORS; i++) {
                int p = j * VECTORS + i;
                truth[p] = data.truth(i, q, innerProduct);
                est[p] = scanned[0][i];
                bound[p] = scanned[0][i] - scanned[1][i];
                fest[p] = RabitqQuantizer.estimateFloat(codes, i, y, (float) ySum, code.clusterTerm);
                fbound[p] = codes.fErr[i] * code.errorScale;
            }
        }
        return new Pairs(truth, est, bound, fest, fbound);
    }

    /** Estimate and lower bound of every row of the cluster (the sink accepts everything). */
    static float[][] scanAll(ScanKernel kernel, ClusterCodes codes, QueryCode code) {
        float[][] out = new float[2][codes.size()];
        CandidateSink sink = new CandidateSink() {
            @Override
            public float threshold() {
                return Float.POSITIVE_INFINITY;
            }

            @Override
            public void offer(int row, float estimate, float lowerBound) {
                out[0][row] = estimate;
                out[1][row] = lowerBound;
            }
        };
        kernel.scan(codes, new QueryCode[] {code}, new CandidateSink[] {sink}, 1);
        return out;
    }

    @ParameterizedTest(name = "dim={0} innerProduct={1} folded={2}")
    @CsvSource({"128,false,false", "128,false,true", "128,true,false", "960,false,false", "100,true,true"})
    void estimatorIsUnbiased(int dim, boolean innerProduct, boolean folded) {
        Pairs p = run(dim, innerProduct, folded, 11);
        for (double[] est : new double[][] {p.estimate(), p.floatEstimate()}) {
            double mt = mean(p.truth());
            double me = mean(est);
            double cov = 0;
            double var = 0;
            double errVar = 0;
            for (int i = 0; i < est.length; i++) {
                cov += (p.truth()[i] - mt) * (est[i] - me);
                var += (p.truth()[i] - mt) * (p.truth()[i] - mt);
                errVar += (est[i] - p.truth()[i]) * (est[i] - p.truth()[i]);
            }
            double slope = cov / var;
            assertTrue(slope >= 0.97 && slope <= 1.03, "slope of estimated vs true distance = " + slope);
            double meanErr = me - mt;
            double stdErr = Math.sqrt(errVar / est.length);
            // zero mean error up to four standard errors of the mean
            assertEquals(0, meanErr, 4 * stdErr / Math.sqrt(est.length), "mean error " + meanErr + " (error sd " + stdErr + ")");
        }
    }

    /**
     * Theorem 3.2 bounds the error by ε0 times the estimator's standard deviation (for uncorrelated pairs the
     * error is close to normal), so at ε0 = 1.9 a two-sided coverage of P(|Z| &lt;= 1.9) = 94.3% is what the
     * theory promises, the one-sided lower bound used for rerank gating holds for P(Z &lt;= 1.9) = 97.1%, and
     * ε0 = 2.8 covers 99.5%. The test checks each of these on 10,000 pairs, for the float query (the paper's
     * bound) and for the quantized query (which adds the rounding term).
     */
    @ParameterizedTest(name = "dim={0} innerProduct={1} folded={2}")
    @CsvSource({"128,false,false", "128,false,true", "128,true,false", "784,false,false", "1536,true,false"})
    void errorBoundCoversAsTheTheoremPredicts(int dim, boolean innerProduct, boolean folded) {
        Pairs p = run(dim, innerProduct, folded, 21);
        double n = p.truth().length;
        double widen = 2.8 / RabitqQuantizer.EPSILON0;
        int[] inside = new int[2];
        int[] lower = new int[2];
        int[] insideWide = new int[2];
        for (int i = 0; i < n; i++) {
            double[] err = {p.floatEstimate()[i] - p.truth()[i], p.estimate()[i] - p.truth()[i]};
            double[] bound = {p.floatBound()[i], p.bound()[i]};
            for (int m = 0; m < 2; m++) {
                inside[m] += Math.abs(err[m]) <= bound[m] ? 1 : 0;
                lower[m] += err[m] - bound[m] <= 0 ? 1 : 0;
                insideWide[m] += Math.abs(err[m]) <= widen * bound[m] ? 1 : 0;
            }
        }
        String[] name = {"float query", "quantized query"};
        for (int m = 0; m < 2; m++) {
            assertTrue(inside[m] / n >= 0.933, name[m] + ": two-sided coverage " + inside[m] / n + " below P(|Z|<=1.9)");
            assertTrue(lower[m] / n >= 0.965, name[m] + ": lower bound holds for only " + lower[m] / n);
            assertTrue(insideWide[m] / n >= 0.99, name[m] + ": coverage at eps0=2.8 is only " + insideWide[m] / n);
        }
        // and the bound is informative: well below the spread of the distances themselves
        assertTrue(mean(p.bound()) < 0.75 * sd(p.truth()), "bound " + mean(p.bound()) + " vs distance sd " + sd(p.truth()));
    }

    private static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s / a.length;
    }

    private static double sd(double[] a) {
        double m = mean(a);
        double s = 0;
        for (double v : a) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / a.length);
    }
}
