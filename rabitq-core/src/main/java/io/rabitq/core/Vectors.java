package io.rabitq.core;

/** Validation and small vector helpers shared by the indexes. */
public final class Vectors {
    private Vectors() {
    }

    /** Checks the length and that every component is finite; {@code what} names the vector in the message. */
    public static void check(String what, float[] v, int dim) {
        if (v == null) {
            throw new InvalidVectorException(what + " is null");
        }
        if (v.length != dim) {
            throw new DimensionMismatchException(what, dim, v.length);
        }
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new InvalidVectorException(what + " has a non-finite component " + v[i] + " at index " + i
                        + "; clean or drop NaN/Infinity values before indexing or searching");
            }
        }
    }

    /**
     * Validates a vector ({@link #check}) and returns it as an index of {@code metric} stores it: a unit-length copy
     * under cosine, the vector itself otherwise. The one place where cosine normalization happens.
     */
    public static float[] prepare(Metric metric, String what, float[] v, int dim) {
        check(what, v, dim);
        return metric == Metric.COSINE ? normalized(what, v) : v;
    }

    /** Squared L2 norm computed in double. */
    public static double normSquared(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return s;
    }

    /** Returns a unit-length copy for cosine; zero vectors have no direction and are rejected. */
    public static float[] normalized(String what, float[] v) {
        double n = Math.sqrt(normSquared(v));
        if (n == 0 || !Double.isFinite(n)) {
            throw new InvalidVectorException(what + " has zero norm, so its cosine distance is undefined; "
                    + "drop zero vectors or use the l2/ip metric");
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / n);
        }
        return out;
    }

    /** Validates {@code k}: it must be positive. */
    public static void checkK(int k) {
        if (k <= 0) {
            throw new InvalidParameterException("k must be >= 1 but was " + k);
        }
    }

    /** Validates an explicit {@code nprobe}: it must be positive. */
    public static void checkNprobe(int nprobe) {
        if (nprobe < 1) {
            throw new InvalidParameterException("nprobe must be >= 1 but was " + nprobe);
        }
    }

    /** Validates an {@code nprobe} setting where 0 means the index's default. */
    public static void checkNprobeOrDefault(int nprobe) {
        if (nprobe < 0) {
            throw new InvalidParameterException("nprobe must be >= 1 (or 0 for the default) but was " + nprobe);
        }
    }
}
