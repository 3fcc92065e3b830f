package io.rabitq.core;

/**
 * A random orthogonal transform of R^{paddedDim}. Inputs of length {@link #dim()} are zero-padded to
 * {@link #paddedDim()} (a multiple of 64, by default the next one) before rotating, so rotated vectors and
 * codes have {@code paddedDim} coordinates; padding further gives longer codes and smaller estimation error.
 * Fully determined by (kind, seed, dim, paddedDim), so every process rebuilds the same rotation locally.
 * Implementations are immutable and thread-safe.
 */
interface Rotation {

    RotationKind kind();

    long seed();

    int dim();

    int paddedDim();

    /** Rotates {@code in} (length {@code dim}) into {@code out} (length {@code paddedDim}). */
    void rotate(float[] in, float[] out);

    /** Heap bytes held by the rotation's parameters. */
    long memoryBytes();

    /** Builds the rotation for (kind, seed, dim) with the default padded dimension. */
    static Rotation create(RotationKind kind, long seed, int dim) {
        return create(kind, seed, dim, paddedDim(dim));
    }

    /** Builds the rotation for (kind, seed, dim) into {@code paddedDim} coordinates (a multiple of 64, &gt;= dim). */
    static Rotation create(RotationKind kind, long seed, int dim, int paddedDim) {
        if (dim <= 0) {
            throw new InvalidParameterException("dimension must be >= 1 but was " + dim);
        }
        if (paddedDim < dim || paddedDim % 64 != 0) {
            throw new InvalidParameterException("code length " + paddedDim + " must be a multiple of 64 and >= the dimension " + dim);
        }
        switch (kind) {
            case FHT_KAC: return new FhtKacRotation(seed, dim, paddedDim);
            case HAAR_DENSE: return new HaarRotation(seed, dim, paddedDim);
            default: throw new IllegalArgumentException(String.valueOf(kind));
        }
    }

    /** {@code dim} rounded up to a multiple of 64, the code length in bits. */
    static int paddedDim(int dim) {
        return (dim + 63) / 64 * 64;
    }
}
