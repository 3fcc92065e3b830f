package io.rabitq.core;

/**
 * A small, fully specified pseudo-random generator (SplitMix64) so that rotations, k-means seeding and query
 * dithering are reproducible from a seed on every JVM and in other languages.
 *
 * <p>{@code nextLong}: {@code state += 0x9E3779B97F4A7C15; z = state; z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9;
 * z = (z ^ (z >>> 27)) * 0x94D049BB133111EB; return z ^ (z >>> 31)}. {@code nextDouble} uses the top 53 bits;
 * {@code nextGaussian} is the Box–Muller transform of two doubles (cosine branch only). Not thread-safe.
 */
final class SeededRandom {
    private long state;

    public SeededRandom(long seed) {
        this.state = seed;
    }

    /** Derives an independent generator for a named purpose, so adding a new consumer never shifts others. */
    public static SeededRandom forPurpose(long seed, long purpose) {
        return new SeededRandom(new SeededRandom(seed ^ (purpose * 0xD6E8FEB86659FD93L)).nextLong());
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive");
        }
        return (int) ((nextLong() >>> 33) % bound);
    }

    /** Standard normal sample. */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble(); // (0, 1]
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
