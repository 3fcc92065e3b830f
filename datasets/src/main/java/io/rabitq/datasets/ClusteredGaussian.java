package io.rabitq.datasets;

import java.util.SplittableRandom;

/**
 * The reference system's benchmark distribution: {@code clusters} centres drawn uniformly in [-2, 2]^D, each
 * point a uniformly chosen centre plus isotropic Gaussian noise of standard deviation {@code sigma}
 * (default 100 clusters, σ = 0.6). Base rows come first, then queries, from one seeded stream, so the same
 * (n, queries, dim, seed) always gives the same data.
 */
public final class ClusteredGaussian {
    public static final int DEFAULT_CLUSTERS = 100;
    public static final double DEFAULT_SIGMA = 0.6;

    private ClusteredGaussian() {
    }

    public static Dataset generate(int n, int queries, int dim, long seed) {
        return generate(n, queries, dim, DEFAULT_CLUSTERS, DEFAULT_SIGMA, seed);
    }

    public static Dataset generate(int n, int queries, int dim, int clusters, double sigma, long seed) {
        if (n < 0 || queries < 0 || dim <= 0 || clusters <= 0 || !(sigma >= 0)) {
            throw new IllegalArgumentException("need n, queries >= 0, dim, clusters > 0 and sigma >= 0");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] centres = new float[clusters * dim];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        float[] base = fill(n, dim, clusters, sigma, centres, rnd);
        float[] q = fill(queries, dim, clusters, sigma, centres, rnd);
        return new Dataset("clustered-gaussian", dim, base, q);
    }

    private static float[] fill(int rows, int dim, int clusters, double sigma, float[] centres, SplittableRandom rnd) {
        float[] out = new float[rows * dim];
        for (int i = 0; i < rows; i++) {
            int c = rnd.nextInt(clusters);
            for (int d = 0; d < dim; d++) {
                out[i * dim + d] = (float) (centres[c * dim + d] + sigma * gaussian(rnd));
            }
        }
        return out;
    }

    /**
     * The same distribution as an endless seeded stream of base rows, for data too large to hold twice (the scale
     * benchmark feeds an index and an exact scan from it). Queries come from their own seeded stream, so this is not
     * the data {@link #generate} returns for the same seed.
     */
    public static final class Stream {
        private final int dim;
        private final float[] centres;
        private final long seed;
        private final SplittableRandom rows;

        public Stream(int dim, long seed) {
            if (dim <= 0) {
                throw new IllegalArgumentException("dim must be > 0 but was " + dim);
            }
            this.dim = dim;
            this.seed = seed;
            SplittableRandom rnd = new SplittableRandom(seed);
            centres = new float[DEFAULT_CLUSTERS * dim];
            for (int i = 0; i < centres.length; i++) {
                centres[i] = (float) (rnd.nextDouble() * 4 - 2);
            }
            rows = rnd.split();
        }

        /** {@code count} query rows, row-major; the same for every call. */
        public float[] queries(int count) {
            return fill(count, dim, DEFAULT_CLUSTERS, DEFAULT_SIGMA, centres, new SplittableRandom(seed ^ 0x5DEECE66DL));
        }

        /** The next {@code count} base rows, row-major. */
        public float[] next(int count) {
            return fill(count, dim, DEFAULT_CLUSTERS, DEFAULT_SIGMA, centres, rows);
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
