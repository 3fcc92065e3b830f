package io.rabitq.core;

/**
 * Build options shared by the quantized indexes.
 *
 * @param metric   distance; default {@link Metric#L2}
 * @param seed     fixes the rotation, the k-means sample and the query dither; default 42
 * @param rotation rotation family; default {@link RotationKind#FHT_KAC}
 * @param nlist    number of k-means centroids, or 0 for the index's default
 * @param codeBits bits per code, a multiple of 64 at least the dimension, or 0 for the index's default
 *                 (longer codes lower the estimation error by sqrt(codeBits))
 * @param bits     bits per (padded) dimension, 1 to 9, or 0 for the index's default: 1 stores sign bits only, each
 *                 further bit (extended RaBitQ) roughly halves the estimation error and costs codeBits / 8 bytes
 */
public record RabitqOptions(Metric metric, long seed, RotationKind rotation, int nlist, int codeBits, int bits) {

    public RabitqOptions {
        if (metric == null || rotation == null) {
            throw new InvalidParameterException("metric and rotation must not be null");
        }
        if (nlist < 0) {
            throw new InvalidParameterException("nlist must be >= 0 (0 = automatic) but was " + nlist);
        }
        if (codeBits < 0 || codeBits % 64 != 0) {
            throw new InvalidParameterException("codeBits must be 0 (automatic) or a positive multiple of 64 but was " + codeBits);
        }
        if (bits != 0) {
            ExtendedCode.checkBits(bits);
        }
    }

    public static RabitqOptions defaults() {
        return new RabitqOptions(Metric.L2, 42L, RotationKind.FHT_KAC, 0, 0, 0);
    }

    public RabitqOptions withMetric(Metric m) {
        return new RabitqOptions(m, seed, rotation, nlist, codeBits, bits);
    }

    public RabitqOptions withSeed(long s) {
        return new RabitqOptions(metric, s, rotation, nlist, codeBits, bits);
    }

    public RabitqOptions withRotation(RotationKind r) {
        return new RabitqOptions(metric, seed, r, nlist, codeBits, bits);
    }

    public RabitqOptions withNlist(int n) {
        return new RabitqOptions(metric, seed, rotation, n, codeBits, bits);
    }

    public RabitqOptions withCodeBits(int length) {
        return new RabitqOptions(metric, seed, rotation, nlist, length, bits);
    }

    public RabitqOptions withBits(int b) {
        return new RabitqOptions(metric, seed, rotation, nlist, codeBits, b);
    }
}
