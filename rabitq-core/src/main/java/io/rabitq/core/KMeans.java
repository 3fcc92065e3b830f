package io.rabitq.core;

/**
 * Seeded Lloyd k-means for IVF centroids, on a sample of at most {@code samplesPerCentroid * k} rows.
 * Initial centroids come from seeded k-means++ on part of the sample; empty clusters are re-seeded from a row
 * of the largest cluster. Assignment runs in parallel, the update sums rows in index order in double,
 * so the result depends only on (data, k, seed, iterations), not on the thread count.
 */
final class KMeans {
    /** Default cap on training rows per centroid (FAISS uses 256). */
    public static final int SAMPLES_PER_CENTROID = 32;
    public static final int DEFAULT_ITERATIONS = 10;

    private KMeans() {
    }

    /**
     * Trains {@code k} centroids over {@code n} rows of {@code data} (row-major, {@code dim} floats per row).
     *
     * @return {@code k * dim} floats, row-major
     */
    public static float[] train(float[] data, int n, int dim, int k, long seed, int iterations, ScanKernel kernel) {
        if (k < 1 || k > n) {
            throw new InvalidParameterException("k-means needs 1 <= k <= n, got k=" + k + ", n=" + n);
        }
        SeededRandom rnd = SeededRandom.forPurpose(seed, 3);
        int[] order = shuffled(n, rnd);
        int m = (int) Math.min(n, (long) SAMPLES_PER_CENTROID * k);
        float[] sample = new float[m * dim];
        java.util.Arrays.sort(order, 0, m); // keep sample rows in data order for determinism of sums
        for (int i = 0; i < m; i++) {
            System.arraycopy(data, order[i] * dim, sample, i * dim, dim);
        }
        if (k == 1) {
            return mean(sample, m, dim);
        }
        float[] centroids = seedPlusPlus(sample, Math.min(m, Math.max(4096, 8 * k)), dim, k, rnd, kernel);
        int[] assign = new int[m];
        for (int it = 0; it < iterations; it++) {
            assign(sample, m, dim, centroids, k, kernel, assign);
            double[] sums = new double[k * dim];
            int[] counts = new int[k];
            for (int i = 0; i < m; i++) {
                int c = assign[i];
                counts[c]++;
                int so = c * dim;
                int xo = i * dim;
                for (int d = 0; d < dim; d++) {
                    sums[so + d] += sample[xo + d];
                }
            }
            for (int c = 0; c < k; c++) {
                if (counts[c] == 0) {
                    reseed(c, counts, assign, sample, m, dim, centroids, rnd);
                    continue;
                }
                for (int d = 0; d < dim; d++) {
                    centroids[c * dim + d] = (float) (sums[c * dim + d] / counts[c]);
                }
            }
        }
        return centroids;
    }

    /**
     * k-means++ seeding over the first {@code m} sample rows: each next centroid is a row drawn with probability
     * proportional to its squared distance to the nearest centroid chosen so far.
     */
    private static float[] seedPlusPlus(float[] sample, int m, int dim, int k, SeededRandom rnd, ScanKernel kernel) {
        float[] centroids = new float[k * dim];
        double[] nearest = new double[m];
        java.util.Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        int pick = rnd.nextInt(m);
        float[] c = new float[dim];
        for (int j = 0; j < k; j++) {
            System.arraycopy(sample, pick * dim, centroids, j * dim, dim);
            System.arraycopy(sample, pick * dim, c, 0, dim);
            double total = 0;
            for (int i = 0; i < m; i++) {
                nearest[i] = Math.min(nearest[i], kernel.squaredL2(c, sample, i * dim));
                total += nearest[i];
            }
            if (total <= 0) { // fewer distinct rows than k: fall back to uniform picks
                pick = rnd.nextInt(m);
                continue;
            }
            double target = rnd.nextDouble() * total;
            pick = m - 1;
            for (int i = 0; i < m; i++) {
                target -= nearest[i];
                if (target < 0) {
                    pick = i;
                    break;
                }
            }
        }
        return centroids;
    }

    private static void reseed(int empty, int[] counts, int[] assign, float[] sample, int m, int dim,
                               float[] centroids, SeededRandom rnd) {
        int largest = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] > counts[largest]) {
                largest = c;
            }
        }
        int pick = rnd.nextInt(counts[largest]);
        for (int i = 0; i < m; i++) {
            if (assign[i] == largest && pick-- == 0) {
                System.arraycopy(sample, i * dim, centroids, empty * dim, dim);
                counts[largest]--;
                counts[empty] = 1;
                assign[i] = empty;
                return;
            }
        }
    }

    /** Nearest centroid (squared L2, ties to the lower index) of each of the {@code n} rows, in parallel. */
    public static void assign(float[] data, int n, int dim, float[] centroids, int k, ScanKernel kernel, int[] out) {
        new CentroidTable(centroids, k, dim).assign(data, n, kernel, out);
    }

    private static float[] mean(float[] data, int n, int dim) {
        double[] s = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                s[d] += data[i * dim + d];
            }
        }
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) {
            out[d] = (float) (s[d] / n);
        }
        return out;
    }

    private static int[] shuffled(int n, SeededRandom rnd) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
