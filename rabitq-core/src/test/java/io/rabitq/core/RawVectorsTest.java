package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Raw vectors read from the heap, from slices and concatenations, and from the mapped file a build spills them to. */
class RawVectorsTest {
    private static float[] rows(int n, int dim, long seed) {
        Random rnd = new Random(seed);
        float[] out = new float[n * dim];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) rnd.nextGaussian();
        }
        return out;
    }

    @Test
    void concatenationsAndSlicesReadTheRowsTheyName() {
        int dim = 3;
        float[] a = rows(5, dim, 1);
        float[] b = rows(4, dim, 2);
        RawVectors empty = RawVectors.of(new float[0], dim);
        RawVectors all = RawVectors.concat(List.of(empty, RawVectors.of(a, dim), empty, empty,
                RawVectors.of(b, dim).slice(1, 3), empty));
        assertEquals(8, all.size());
        float[] expected = new float[8 * dim];
        System.arraycopy(a, 0, expected, 0, 5 * dim);
        System.arraycopy(b, dim, expected, 5 * dim, 3 * dim);
        assertArrayEquals(expected, all.toArray());
        float[] row = new float[dim];
        all.slice(4, 2).read(1, row, 0);
        assertArrayEquals(java.util.Arrays.copyOfRange(b, dim, 2 * dim), row);
    }

    @Test
    void spilledRowsReadBackBitForBit() {
        int dim = 7;
        RawVectors[] clusters = {RawVectors.of(rows(10, dim, 3), dim), RawVectors.of(new float[0], dim), RawVectors.of(rows(33, dim, 4), dim)};
        RawVectors[] spilled = SpilledRawVectors.spill(clusters, dim);
        for (int c = 0; c < clusters.length; c++) {
            assertArrayEquals(clusters[c].toArray(), spilled[c].toArray());
            assertTrue(spilled[c].heapBytes() < 200, "mapped rows hold only bookkeeping on the heap");
        }
    }

    @Test
    void anIndexWithRawVectorsKeepsThemOffTheHeapAndRanksByExactDistance() {
        Dataset data = ClusteredGaussian.generate(4000, 20, 64, 9);
        IvfRabitqIndex raw = new IvfRabitqIndex(64).storeRaw(true);
        IvfRabitqIndex codes = new IvfRabitqIndex(64).storeRaw(false);
        for (int i = 0; i < data.size(); i++) {
            raw.add(i, data.baseRow(i));
            codes.add(i, data.baseRow(i));
        }
        raw.build();
        codes.build();
        long rawBytes = 4L * data.size() * 64;
        assertTrue(raw.memoryBytes() < codes.memoryBytes() + rawBytes / 20, raw.memoryBytes() + " bytes held beside "
                + codes.memoryBytes() + " for codes only: the raw vectors are mapped");
        float[] q = data.queryRows()[0];
        for (Neighbor n : raw.search(q, 10)) {
            float[] v = data.baseRow((int) n.id());
            float d = 0;
            for (int k = 0; k < v.length; k++) {
                d += (q[k] - v[k]) * (q[k] - v[k]);
            }
            assertEquals(d, n.distance(), 1e-3f * Math.max(1, d), "returned distances are exact, read from the mapped rows");
        }
    }
}
