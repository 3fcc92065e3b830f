package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Extended RaBitQ's claims for B = 1 to 9 bits per dimension, on 10,000 (vector, query) pairs through the real
 * encode path and the query tables of the search: the estimator is unbiased, its error bound (ε0 = 1.9 with
 * the code's own cosine) covers the errors as the theorem predicts, and the error shrinks about 2x per bit.
 */
class ExtendedEstimatorTest {
    static final int VECTORS = EstimatorTest.VECTORS;
    static final int QUERIES = EstimatorTest.QUERIES;
    static final int[] BITS = {1, 2, 3, 4, 5, 7, 9};

    /** Per pair: the true distance, the estimate and the error bound. */
    record Pairs(double[] truth, double[] estimate, double[] bound) {
        double meanAbsError() {
            double s = 0;
            for (int i = 0; i < truth.length; i++) {
                s += Math.abs(estimate[i] - truth[i]);
            }
            return s / truth.length;
        }
    }

    static Pairs run(int dim, int bits, boolean innerProduct, long seed) {
        EstimatorTest.Data data = EstimatorTest.Data.generate(dim, seed);
        Rotation rotation = Rotation.create(RotationKind.FHT_KAC, seed, dim);
        RabitqQuantizer quantizer = new RabitqQuantizer(rotation, innerProduct, false);
        ClusterCodes codes = quantizer.encode(data.centroid(), data.ids(), data.vectors(), bits, false, false);
        int pdim = rotation.paddedDim();
        float[] rc = new float[pdim];
        rotation.rotate(data.centroid(), rc);
        int pairs = VECTORS * QUERIES;
        double[] truth = new double[pairs];
        double[] est = new double[pairs];
        double[] bound = new double[pairs];
        QueryCode code = new QueryCode(pdim);
        for (int j = 0; j < QUERIES; j++) {
            float[] q = data.queries()[j];
            float[] rq = new float[pdim];
            rotation.rotate(q, rq);
            quantizer.prepare(rq, rc, true, code, Kernels.scalar());
            ExtendedCode.Query ex = new ExtendedCode.Query(rq, Kernels.scan());
            double ySum = 0;
            for (int i = 0; i < pdim; i++) {
                ySum += code.residual[i];
            }
            for (int i = 0; i < VECTORS; i++) {
                int p = j * VECTORS + i;
                truth[p] = data.truth(i, q, innerProduct);
                if (bits == 1) {
                    est[p] = RabitqQuantizer.estimateFloat(codes, i, code.residual, (float) ySum, code.clusterTerm);
                    bound[p] = codes.fErr[i] * code.errorScale;
                } else {
                    est[p] = ExtendedCode.estimate(codes, i, ex, code.clusterTerm);
                    bound[p] = codes.fErrEx[i] * code.errorScale;
                }
            }
        }
        return new Pairs(truth, est, bound);
    }

    @ParameterizedTest(name = "bits={0} innerProduct={1}")
    @CsvSource({"1,false", "2,false", "3,false", "4,false", "5,false", "7,false", "9,false", "4,true", "9,true"})
    void unbiasedAndCoveredByItsBound(int bits, boolean innerProduct) {
        Pairs p = run(128, bits, innerProduct, 31);
        double[] t = p.truth();
        double[] e = p.estimate();
        double mt = 0;
        double me = 0;
        for (int i = 0; i < t.length; i++) {
            mt += t[i];
            me += e[i];
        }
        mt /= t.length;
        me /= t.length;
        double cov = 0;
        double var = 0;
        int inside = 0;
        int below = 0;
        for (int i = 0; i < t.length; i++) {
            cov += (t[i] - mt) * (e[i] - me);
            var += (t[i] - mt) * (t[i] - mt);
            double err = e[i] - t[i];
            inside += Math.abs(err) <= p.bound()[i] ? 1 : 0;
            below += e[i] - p.bound()[i] <= t[i] ? 1 : 0;
        }
        double slope = cov / var;
        assertTrue(slope >= 0.97 && slope <= 1.03, bits + " bits: slope of estimated vs true distance = " + slope);
        // the theorem: |error| <= bound with probability P(|Z| <= 1.9) = 94.3%, the lower bound alone P(Z <= 1.9) = 97.1%
        // (1 percentage point of sampling slack on 10,000 pairs)
        assertTrue(inside >= 0.933 * t.length, bits + " bits: two-sided coverage " + inside / (double) t.length);
        assertTrue(below >= 0.961 * t.length, bits + " bits: lower-bound coverage " + below / (double) t.length);
    }

    @Test
    void errorShrinksAboutTwofoldPerBit() {
        double previous = Double.POSITIVE_INFINITY;
        int previousBits = 0;
        StringBuilder seen = new StringBuilder();
        for (int bits : BITS) {
            double err = run(128, bits, false, 41).meanAbsError();
            seen.append(bits).append(" bits: ").append(String.format("%.4f", err)).append("; ");
            if (previousBits > 0) {
                // each extra bit removes at least a third of the error (about a half in theory)
                double expected = Math.pow(2.0 / 3, bits - previousBits);
                assertTrue(err <= previous * expected, "mean |error| must shrink with bits: " + seen);
            }
            previous = err;
            previousBits = bits;
        }
    }

    @Test
    void bitsOutsideOneToNineAreRefusedWithWhatToUse() {
        for (int bad : new int[] {-1, 10}) {
            InvalidParameterException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidParameterException.class,
                    () -> RabitqOptions.defaults().withBits(bad));
            assertTrue(e.getMessage().contains("1 to 9"), e.getMessage());
        }
    }
}
