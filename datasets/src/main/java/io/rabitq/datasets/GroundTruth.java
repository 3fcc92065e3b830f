package io.rabitq.datasets;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Exact top-k neighbours by brute force, blocked over queries and run on all cores. Distances are computed in
 * double; ties are broken by the smaller row index. Metrics: {@code "l2"} (squared L2), {@code "ip"} (largest
 * inner product first) and {@code "cosine"}.
 */
public final class GroundTruth {
    private GroundTruth() {
    }

    /** Row indexes of the k nearest base rows for every query, {@code queries x k} row-major. */
    public static int[] compute(float[] base, float[] queries, int dim, int k, String metric) {
        int n = base.length / dim;
        int nq = queries.length / dim;
        int kk = Math.min(k, n);
        int[] out = new int[nq * kk];
        if (!metric.equals("l2") && !metric.equals("ip") && !metric.equals("cosine")) {
            throw new IllegalArgumentException("unknown metric " + metric + "; use l2, ip or cosine");
        }
        boolean l2 = metric.equals("l2");
        double[] baseNorms = metric.equals("cosine") ? norms(base, dim) : null;
        IntStream.range(0, nq).parallel().forEach(q -> {
            double[] best = new double[kk];
            int[] bestIdx = new int[kk];
            Arrays.fill(best, Double.POSITIVE_INFINITY);
            Arrays.fill(bestIdx, Integer.MAX_VALUE);
            double qn = baseNorms == null ? 1 : Math.sqrt(dot(queries, q * dim, queries, q * dim, dim));
            for (int i = 0; i < n; i++) {
                double d = l2 ? l2(queries, q * dim, base, i * dim, dim)
                        : baseNorms == null ? -dot(queries, q * dim, base, i * dim, dim)
                        : 1 - dot(queries, q * dim, base, i * dim, dim) / (qn * baseNorms[i]);
                if (d < best[kk - 1]) {
                    int j = kk - 1;
                    while (j > 0 && best[j - 1] > d) {
                        best[j] = best[j - 1];
                        bestIdx[j] = bestIdx[j - 1];
                        j--;
                    }
                    best[j] = d;
                    bestIdx[j] = i;
                }
            }
            System.arraycopy(bestIdx, 0, out, q * kk, kk);
        });
        return out;
    }

    private static double[] norms(float[] v, int dim) {
        double[] out = new double[v.length / dim];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.sqrt(dot(v, i * dim, v, i * dim, dim));
        }
        return out;
    }

    private static double l2(float[] a, int ao, float[] b, int bo, int dim) {
        double s = 0;
        for (int i = 0; i < dim; i++) {
            double d = (double) a[ao + i] - b[bo + i];
            s += d * d;
        }
        return s;
    }

    private static double dot(float[] a, int ao, float[] b, int bo, int dim) {
        double s = 0;
        for (int i = 0; i < dim; i++) {
            s += (double) a[ao + i] * b[bo + i];
        }
        return s;
    }
}
