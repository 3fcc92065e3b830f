package io.rabitq.core;

/**
 * Randomized fast Walsh–Hadamard rotation with cross-block mixing ("FhtKac").
 *
 * <p>Let P = paddedDim and L the largest power of two with L &lt;= P. Four rounds are applied; round t
 * multiplies every coordinate by a seeded random sign, applies the orthonormal Walsh–Hadamard transform
 * (scaled by 1/sqrt(L)) to the block [0, L) for even t or [P - L, P) for odd t, and, when L &lt; P, mixes the
 * two halves with the butterfly (a, b) -&gt; ((a + b)/sqrt 2, (a - b)/sqrt 2) on pairs (i, i + P/2). Every step is
 * orthogonal, so the whole transform is; the alternating blocks and the butterfly avoid the weak mixing of
 * block-diagonal Hadamard transforms for non-power-of-two P.
 *
 * <p>Signs come from {@link SeededRandom#forPurpose}(seed, 1): for round t and coordinate i (in that order),
 * bit 63 of {@code nextLong()} set means -1.
 */
final class FhtKacRotation extends BaseRotation {
    static final int ROUNDS = 4;
    private static final float INV_SQRT2 = (float) (1.0 / Math.sqrt(2.0));

    private final int block;
    private final float blockScale;
    private final float[][] signs;

    FhtKacRotation(long seed, int dim, int paddedDim) {
        super(RotationKind.FHT_KAC, seed, dim, paddedDim);
        this.block = Integer.highestOneBit(pdim);
        this.blockScale = (float) (1.0 / Math.sqrt(block));
        this.signs = new float[ROUNDS][pdim];
        SeededRandom rnd = SeededRandom.forPurpose(seed, 1);
        for (int t = 0; t < ROUNDS; t++) {
            for (int i = 0; i < pdim; i++) {
                signs[t][i] = rnd.nextLong() < 0 ? -1f : 1f;
            }
        }
    }

    @Override
    public long memoryBytes() {
        return (long) ROUNDS * pdim * Float.BYTES;
    }

    @Override
    public void rotate(float[] in, float[] out) {
        ScanKernel kernel = Kernels.scan(); // element by element the same operations in every kernel: the same bits
        System.arraycopy(in, 0, out, 0, dim);
        java.util.Arrays.fill(out, dim, pdim, 0f);
        for (int t = 0; t < ROUNDS; t++) {
            float[] s = signs[t];
            for (int i = 0; i < pdim; i++) {
                out[i] *= s[i];
            }
            fwht(kernel, out, (t & 1) == 0 ? 0 : pdim - block, block);
            if (block < pdim) {
                kernel.butterflies(out, 0, pdim / 2, pdim / 2, INV_SQRT2);
            }
        }
    }

    private void fwht(ScanKernel kernel, float[] x, int off, int n) {
        kernel.fwht(x, off, n);
        for (int i = off; i < off + n; i++) {
            x[i] *= blockScale;
        }
    }
}
