package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RotationTest {

    static Stream<Arguments> kindsAndDims() {
        return Stream.of(RotationKind.values()).flatMap(k ->
                Stream.of(8, 100, 128, 784, 960, 1536).map(d -> Arguments.of(k, d)));
    }

    private static float[] gaussian(Random r, int d) {
        float[] v = new float[d];
        for (int i = 0; i < d; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("kindsAndDims")
    void preservesNormsAndInnerProducts(RotationKind kind, int dim) {
        Rotation rot = Rotation.create(kind, 7, dim);
        assertEquals((dim + 63) / 64 * 64, rot.paddedDim());
        Random r = new Random(dim);
        for (int t = 0; t < 5; t++) {
            float[] a = gaussian(r, dim);
            float[] b = gaussian(r, dim);
            float[] ra = new float[rot.paddedDim()];
            float[] rb = new float[rot.paddedDim()];
            rot.rotate(a, ra);
            rot.rotate(b, rb);
            double na = dot(a, a);
            assertEquals(na, dot(ra, ra), 1e-5 * na, "norm^2 of a rotated vector");
            double scale = Math.sqrt(na * dot(b, b));
            assertEquals(dot(a, b), dot(ra, rb), 1e-5 * scale, "inner product after rotation");
        }
    }

    @ParameterizedTest
    @MethodSource("kindsAndDims")
    void mixesEveryCoordinate(RotationKind kind, int dim) {
        // a basis vector must spread over all padded coordinates, or the codes of sparse data would be biased
        Rotation rot = Rotation.create(kind, 3, dim);
        float[] e = new float[dim];
        e[dim - 1] = 1;
        float[] out = new float[rot.paddedDim()];
        rot.rotate(e, out);
        long nonZero = 0;
        double maxAbs = 0;
        for (float v : out) {
            nonZero += v != 0 ? 1 : 0;
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        assertTrue(nonZero >= out.length * 0.95, "only " + nonZero + " of " + out.length + " coordinates are non-zero");
        assertTrue(maxAbs < 6 / Math.sqrt(out.length), "a basis vector stays concentrated: max |x| = " + maxAbs);
    }

    @Test
    void isDeterministicInKindSeedAndDimension() {
        float[] v = gaussian(new Random(1), 100);
        for (RotationKind kind : RotationKind.values()) {
            float[] a = new float[128];
            float[] b = new float[128];
            float[] c = new float[128];
            Rotation.create(kind, 42, 100).rotate(v, a);
            Rotation.create(kind, 42, 100).rotate(v, b);
            Rotation.create(kind, 43, 100).rotate(v, c);
            assertArrayEquals(a, b);
            assertFalse(Arrays.equals(a, c), "a different seed must give a different rotation");
        }
    }

    @Test
    void longerCodesArePaddedFurther() {
        Rotation rot = Rotation.create(RotationKind.FHT_KAC, 1, 100, 256);
        assertEquals(256, rot.paddedDim());
        float[] v = gaussian(new Random(2), 100);
        float[] out = new float[256];
        rot.rotate(v, out);
        assertEquals(dot(v, v), dot(out, out), 1e-4 * dot(v, v));
        assertThrows(InvalidParameterException.class, () -> Rotation.create(RotationKind.FHT_KAC, 1, 100, 96));
        assertThrows(InvalidParameterException.class, () -> Rotation.create(RotationKind.FHT_KAC, 1, 100, 64));
        assertThrows(InvalidParameterException.class, () -> Rotation.create(RotationKind.HAAR_DENSE, 1, 0));
    }

    @Test
    void seededRandomMatchesItsSpecification() {
        // SplitMix64 reference values for seed 0 (from the published algorithm)
        SeededRandom r = new SeededRandom(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        assertEquals(0x06C45D188009454FL, r.nextLong());
    }
}
