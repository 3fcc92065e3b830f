package io.rabitq.core;

/** The family of random orthogonal transforms; together with a seed and a dimension it fixes the rotation. */
public enum RotationKind {
    /**
     * Randomized fast Walsh–Hadamard transform with cross-block (Kac) mixing, O(D log D) per vector and
     * 4 bits of state per dimension. The default.
     */
    FHT_KAC,
    /** Dense Haar-random orthogonal matrix (double-precision Householder QR of a Gaussian matrix), O(D^2). */
    HAAR_DENSE
}
