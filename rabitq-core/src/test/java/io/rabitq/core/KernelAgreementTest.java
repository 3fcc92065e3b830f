package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scalar and Vector API kernels must produce the same candidates, estimates and bounds, bit for bit. The build
 * runs this class once per vector width (see this module's pom): the default JVM, {@code -Drabitq.simd.bits=256}
 * and {@code 128}, and a JVM limited to AVX2 whose automatic choice must follow the CPU.
 */
class KernelAgreementTest {
    static ScanKernel scalar;
    static ScanKernel vector;

    @BeforeAll
    static void kernels() {
        scalar = Kernels.scalar();
        try {
            vector = Kernels.vector();
        } catch (UnsupportedOperationException e) {
            vector = null;
        }
    }

    private static void assumeVector() {
        assumeTrue(vector != null, "Vector API kernel unavailable on this JVM/CPU");
    }

    /** Records every offer a kernel makes, with a threshold that tightens like a real top-k sink. */
    static final class RecordingSink implements CandidateSink {
        final List<String> calls = new ArrayList<>();
        final TopK top = new TopK(7);

        @Override
        public float threshold() {
            return top.threshold();
        }

        @Override
        public void offer(int row, float estimate, float lowerBound) {
            calls.add(row + ":" + Float.floatToRawIntBits(estimate) + ":" + Float.floatToRawIntBits(lowerBound));
            top.offer(estimate, row);
        }
    }

    /** The width this JVM was asked for is the width that runs, forced or chosen from the CPU. */
    @Test
    void vectorKernelRunsAtTheChosenWidth() {
        assumeVector();
        int cpu = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        String forced = System.getProperty(Kernels.SIMD_BITS_PROPERTY);
        String expected = "vector-" + (forced != null ? forced : String.valueOf(Math.min(512, cpu)));
        assertEquals(expected, vector.name());
        assertEquals(expected, Kernels.scan().name(), "the automatic choice");
        if (Boolean.getBoolean("rabitq.test.narrowCpu")) {
            assertTrue(cpu <= 256, "-XX:UseAVX=2 should leave at most 256-bit vectors, the JVM reports " + cpu);
        }
    }

    @Test
    void widthsWiderThanTheCpuAndUnknownWidthsAreRefused() {
        int cpu = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> Kernels.forcedSimdBits("300"));
        assertTrue(e.getMessage().contains("use 512, 256 or 128"), e.getMessage());
        String set = System.getProperty(Kernels.SIMD_BITS_PROPERTY);
        System.setProperty(Kernels.SIMD_BITS_PROPERTY, "300");
        try {
            assertThrows(InvalidParameterException.class, () -> Kernels.select("auto"), "a mistyped width is no silent scalar fallback");
        } finally {
            if (set == null) {
                System.clearProperty(Kernels.SIMD_BITS_PROPERTY);
            } else {
                System.setProperty(Kernels.SIMD_BITS_PROPERTY, set);
            }
        }
        assertEquals(Math.min(512, cpu), PanamaScanKernel.chosenBits(null));
        assertEquals(256, PanamaScanKernel.chosenBits("256"));
        assertTrue(PanamaScanKernel.unsupportedReason(512, 256).contains("wider than this CPU's 256-bit vectors"));
        assertTrue(PanamaScanKernel.unsupportedReason(64, 64).contains("at least 128"));
        assertEquals(null, PanamaScanKernel.unsupportedReason(256, 512));
    }

    @ParameterizedTest(name = "dim={0}")
    @ValueSource(ints = {8, 64, 100, 128, 784, 960, 1536, 4200})
    void scanKernelsAgreeBitForBit(int dim) {
        assumeVector();
        Random r = new Random(dim);
        int n = 301; // not a multiple of the 32-vector block
        float[] vectors = new float[n * dim];
        long[] ids = new long[n];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            ids[i] = 1000 + i;
        }
        float[] centroid = new float[dim];
        Rotation rot = Rotation.create(RotationKind.FHT_KAC, 5, dim);
        for (boolean ip : new boolean[] {false, true}) {
            RabitqQuantizer quantizer = new RabitqQuantizer(rot, ip, false);
            ClusterCodes codes = quantizer.encode(centroid, ids, vectors, 1, false, true);
            int queries = 5;
            QueryCode[] qs = new QueryCode[queries];
            QueryCode[] qv = new QueryCode[queries];
            RecordingSink[] ss = new RecordingSink[queries];
            RecordingSink[] sv = new RecordingSink[queries];
            float[] rc = new float[rot.paddedDim()];
            for (int j = 0; j < queries; j++) {
                float[] q = new float[dim];
                for (int d = 0; d < dim; d++) {
                    q[d] = (float) r.nextGaussian();
                }
                float[] rq = new float[rot.paddedDim()];
                rot.rotate(q, rq);
                qs[j] = new QueryCode(rot.paddedDim());
                qv[j] = new QueryCode(rot.paddedDim());
                quantizer.prepare(rq, rc, true, qs[j], scalar);
                quantizer.prepare(rq, rc, true, qv[j], vector);
                ss[j] = new RecordingSink();
                sv[j] = new RecordingSink();
            }
            scalar.scan(codes, qs, ss, queries);
            vector.scan(codes, qv, sv, queries);
            for (int j = 0; j < queries; j++) {
                assertTrue(ss[j].calls.size() >= 7, "the sink saw too few candidates to test anything");
                assertEquals(ss[j].calls, sv[j].calls, "query " + j + " ip=" + ip);
            }
        }
    }

    @Test
    void distanceFunctionsAgreeBitForBit() {
        assumeVector();
        Random r = new Random(9);
        for (int len : new int[] {1, 15, 16, 17, 31, 32, 33, 100, 128, 784, 960}) {
            float[] a = new float[len];
            float[] b = new float[len + 7];
            for (int i = 0; i < len; i++) {
                a[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) r.nextGaussian();
            }
            assertEquals(Float.floatToRawIntBits(scalar.squaredL2(a, b, 7)), Float.floatToRawIntBits(vector.squaredL2(a, b, 7)), "l2 len " + len);
            assertEquals(Float.floatToRawIntBits(scalar.dot(a, b, 3)), Float.floatToRawIntBits(vector.dot(a, b, 3)), "dot len " + len);
            double exact = 0;
            for (int i = 0; i < len; i++) {
                exact += (double) (a[i] - b[7 + i]) * (a[i] - b[7 + i]);
            }
            assertEquals(exact, scalar.squaredL2(a, b, 7), 1e-4 * exact + 1e-6);
        }
    }

    /** Extended-code inner products: every number of extra planes, offsets inside longer arrays. */
    @Test
    void codeDotsAgreeBitForBit() {
        assumeVector();
        Random r = new Random(23);
        for (int words : new int[] {1, 2, 6, 13}) {
            float[] y = new float[64 * words];
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) r.nextGaussian();
            }
            for (int extra = 0; extra <= 8; extra++) {
                long[] signs = r.longs(words + 3).toArray();
                long[] planes = r.longs((extra + 1) * words + 2).toArray();
                float s = scalar.codeDot(signs, 3, planes, 2, extra, words, y);
                float v = vector.codeDot(signs, 3, planes, 2, extra, words, y);
                assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(v), "words " + words + " extra " + extra);
                double exact = 0;
                double magnitude = 0;
                for (int i = 0; i < y.length; i++) {
                    long u = (signs[3 + i / 64] >>> i & 1) << extra;
                    for (int j = 0; j < extra; j++) {
                        u |= (planes[2 + j * words + i / 64] >>> i & 1) << j;
                    }
                    exact += u * (double) y[i];
                    magnitude += Math.abs(u * (double) y[i]);
                }
                assertEquals(exact, s, 1e-6 * magnitude, "words " + words + " extra " + extra);
            }
        }
    }

    /** Centroid dot products: every 16-column block, 1 to 9 rows (the 4-row and single-row paths), any block range. */
    @Test
    void blockDotsAgreeBitForBit() {
        assumeVector();
        Random r = new Random(21);
        for (int dim : new int[] {3, 64, 100}) {
            int columns = 16 * 7;
            float[] table = new float[columns * dim];
            for (int i = 0; i < table.length; i++) {
                table[i] = (float) r.nextGaussian();
            }
            float[] x = new float[9 * dim + 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int rows = 1; rows <= 9; rows += 4) {
                float[] s = new float[rows * columns];
                float[] v = new float[rows * columns];
                scalar.blockDots(x, 5, rows, dim, table, 1, 7, s, 0);
                vector.blockDots(x, 5, rows, dim, table, 1, 7, v, 0);
                assertArrayEquals(s, v, "dim " + dim + " rows " + rows);
                assertTrue(s[columns - 1] != 0f, "the last column was not computed");
            }
        }
    }

    /** The rotation's transforms: Walsh–Hadamard blocks (strides inside and across vectors) and scaled butterflies. */
    @Test
    void rotationTransformsAgreeBitForBit() {
        assumeVector();
        Random r = new Random(17);
        for (int n : new int[] {1, 2, 8, 16, 32, 512, 1024}) {
            float[] a = new float[n + 5];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
            float[] b = a.clone();
            scalar.fwht(a, 5, n);
            vector.fwht(b, 5, n);
            assertArrayEquals(a, b, "fwht n " + n);
            scalar.butterflies(a, 0, n / 2 + 3, n / 2 + 1, 0.7f);
            vector.butterflies(b, 0, n / 2 + 3, n / 2 + 1, 0.7f);
            assertArrayEquals(a, b, "butterflies n " + n);
        }
    }

    /** Query quantization: range and levels agree, including values that land exactly on a level and ones clamped. */
    @Test
    void queryQuantizationAgreesBitForBit() {
        assumeVector();
        Random r = new Random(13);
        for (int len : new int[] {16, 64, 100, 832, 1024}) {
            float[] y = new float[len];
            float[] dither = new float[len];
            for (int i = 0; i < len; i++) {
                y[i] = i % 5 == 0 ? r.nextInt(40) - 4 : (float) r.nextGaussian() * 9;
                dither[i] = i % 3 == 0 ? 0f : r.nextFloat();
            }
            float[] rs = new float[2];
            float[] rv = new float[2];
            scalar.range(y, len, rs);
            vector.range(y, len, rv);
            assertArrayEquals(rs, rv, "range len " + len);
            for (float inv : new float[] {1f, 0.5f, 31f / (rs[1] - rs[0]), 0f}) {
                byte[] qs = new byte[len];
                byte[] qv = new byte[len];
                int sumS = scalar.quantize(y, len, rs[0], inv, dither, qs);
                int sumV = vector.quantize(y, len, rs[0], inv, dither, qv);
                assertArrayEquals(qs, qv, "levels len " + len + " inv " + inv);
                assertEquals(sumS, sumV);
                for (int i = 0; i < len; i++) {
                    assertEquals(Math.max(0, Math.min(QueryCode.MAX_LEVEL, (int) ((y[i] - rs[0]) * inv + dither[i]))), qs[i]);
                }
            }
        }
    }

    @Test
    void wholeIndexesAgreeAcrossKernels() {
        assumeVector();
        Dataset data = ClusteredGaussian.generate(5000, 50, 96, 3);
        for (Metric metric : Metric.values()) {
            QuantizedIndex a = new IvfRabitqIndex(96, RabitqOptions.defaults().withMetric(metric)).usingKernel(scalar);
            QuantizedIndex b = new IvfRabitqIndex(96, RabitqOptions.defaults().withMetric(metric)).usingKernel(vector);
            QuantizedIndex c = new RabitqIndex(96, RabitqOptions.defaults().withMetric(metric)).usingKernel(scalar);
            QuantizedIndex d = new RabitqIndex(96, RabitqOptions.defaults().withMetric(metric)).usingKernel(vector);
            for (int i = 0; i < data.size(); i++) {
                for (AnnIndex idx : new AnnIndex[] {a, b, c, d}) {
                    idx.add(i, data.baseRow(i));
                }
            }
            float[][] q = data.queryRows();
            Neighbor[][] ra = a.searchBatch(q, 10);
            Neighbor[][] rb = b.searchBatch(q, 10);
            Neighbor[][] rcs = c.searchBatch(q, 10);
            Neighbor[][] rd = d.searchBatch(q, 10);
            for (int j = 0; j < q.length; j++) {
                assertArrayEquals(ra[j], rb[j], metric + " ivf query " + j);
                assertArrayEquals(rcs[j], rd[j], metric + " rabitq query " + j);
            }
        }
    }

    @ParameterizedTest(name = "dim={0}")
    @ValueSource(ints = {3, 128, 784})
    void centroidAssignmentAgreesAcrossKernelsAndFindsTheNearestCentroid(int dim) {
        assumeVector();
        Random r = new Random(dim);
        int k = 37; // not a multiple of the 16-centroid column block
        int n = 203; // not a multiple of the row chunk or group
        float[] centroids = new float[k * dim];
        float[] rows = new float[n * dim];
        for (int i = 0; i < centroids.length; i++) {
            centroids[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) r.nextGaussian();
        }
        CentroidTable table = new CentroidTable(centroids, k, dim);
        int[] bySca = new int[n];
        int[] byVec = new int[n];
        table.assign(rows, n, scalar, bySca);
        table.assign(rows, n, vector, byVec);
        assertArrayEquals(bySca, byVec);
        for (int i = 0; i < n; i++) {
            float[] x = java.util.Arrays.copyOfRange(rows, i * dim, (i + 1) * dim);
            int exact = 0;
            for (int c = 1; c < k; c++) {
                if (scalar.squaredL2(x, centroids, c * dim) < scalar.squaredL2(x, centroids, exact * dim)) {
                    exact = c;
                }
            }
            float best = scalar.squaredL2(x, centroids, exact * dim);
            float got = scalar.squaredL2(x, centroids, bySca[i] * dim);
            assertTrue(got <= best * (1 + 1e-4f) + 1e-4f, "row " + i + ": centroid " + bySca[i] + " at " + got
                    + " but " + exact + " at " + best);
            assertEquals(bySca[i], table.nearest(x, vector), "single-row and chunked assignment differ at row " + i);
            float[] viaScalar = new float[k];
            float[] viaVector = new float[k];
            table.distances(x, i % 2 == 0, scalar, viaScalar);
            table.distances(x, i % 2 == 0, vector, viaVector);
            assertArrayEquals(viaScalar, viaVector);
        }
    }
}
