package io.rabitq.core;

/**
 * Dense Haar-random orthogonal rotation: the Q factor of the Householder QR decomposition (in double
 * precision) of a P x P matrix of standard normal samples, with column signs fixed so that R has a positive
 * diagonal, which makes Q exactly Haar-distributed. Samples come from {@link SeededRandom#forPurpose}(seed, 2)
 * in row-major order. Rotation is a dense matrix-vector product, O(P^2); use it for small D and as an oracle.
 */
final class HaarRotation extends BaseRotation {
    /** Row-major P x P; rotate computes out = Q^T * pad(in), i.e. row i of this array is column i of Q. */
    private final float[] qt;

    HaarRotation(long seed, int dim, int paddedDim) {
        super(RotationKind.HAAR_DENSE, seed, dim, paddedDim);
        this.qt = orthogonal(pdim, SeededRandom.forPurpose(seed, 2));
    }

    /** Returns Q^T row-major, i.e. Q column-major, as floats. */
    private static float[] orthogonal(int n, SeededRandom rnd) {
        // a is stored column-major: a[c * n + r]
        double[] a = new double[n * n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                a[c * n + r] = rnd.nextGaussian();
            }
        }
        double[] vs = new double[n * n];
        double[] diagSign = new double[n];
        for (int k = 0; k < n; k++) {
            int ck = k * n;
            double norm = 0;
            for (int r = k; r < n; r++) {
                norm += a[ck + r] * a[ck + r];
            }
            norm = Math.sqrt(norm);
            double alpha = a[ck + k] > 0 ? -norm : norm;
            // v = x - alpha e1, normalized
            double vnorm2 = 0;
            for (int r = k; r < n; r++) {
                double v = a[ck + r] - (r == k ? alpha : 0);
                vs[ck + r] = v;
                vnorm2 += v * v;
            }
            double vnorm = Math.sqrt(vnorm2);
            if (vnorm > 0) {
                for (int r = k; r < n; r++) {
                    vs[ck + r] /= vnorm;
                }
            }
            // R[k][k] = alpha
            diagSign[k] = alpha >= 0 ? 1 : -1;
            for (int c = k + 1; c < n; c++) {
                int cc = c * n;
                double dot = 0;
                for (int r = k; r < n; r++) {
                    dot += vs[ck + r] * a[cc + r];
                }
                dot *= 2;
                for (int r = k; r < n; r++) {
                    a[cc + r] -= dot * vs[ck + r];
                }
            }
        }
        // Q = H_0 H_1 ... H_{n-1}; build column-major by applying reflectors to identity from the right end.
        double[] q = new double[n * n];
        for (int i = 0; i < n; i++) {
            q[i * n + i] = 1;
        }
        for (int k = n - 1; k >= 0; k--) {
            int ck = k * n;
            for (int c = 0; c < n; c++) {
                int cc = c * n;
                double dot = 0;
                for (int r = k; r < n; r++) {
                    dot += vs[ck + r] * q[cc + r];
                }
                if (dot != 0) {
                    dot *= 2;
                    for (int r = k; r < n; r++) {
                        q[cc + r] -= dot * vs[ck + r];
                    }
                }
            }
        }
        float[] out = new float[n * n];
        for (int c = 0; c < n; c++) {
            for (int r = 0; r < n; r++) {
                out[c * n + r] = (float) (q[c * n + r] * diagSign[c]);
            }
        }
        return out;
    }

    @Override
    public long memoryBytes() {
        return (long) qt.length * Float.BYTES;
    }

    @Override
    public void rotate(float[] in, float[] out) {
        for (int i = 0; i < pdim; i++) {
            int row = i * pdim;
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += qt[row + j] * (double) in[j];
            }
            out[i] = (float) s;
        }
    }
}
