package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every index rejects bad input with a typed error whose message says what to fix. */
class BadInputTest {

    static List<Supplier<AnnIndex>> all(int dim, Metric metric) {
        RabitqOptions o = RabitqOptions.defaults().withMetric(metric);
        return List.of(() -> new FlatIndex(dim, metric), () -> new RabitqIndex(dim, o), () -> new RabitqPlusIndex(dim, o, 5),
                () -> new RabitqAsymIndex(dim, o, 3), () -> new IvfRabitqIndex(dim, o));
    }

    static AnnIndex filled(Supplier<AnnIndex> s, int n) {
        AnnIndex idx = s.get();
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < n; i++) {
            idx.add(i, new float[] {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian(), 1f});
        }
        return idx;
    }

    @Test
    void dimensionMismatchOnAddAndSearch() {
        for (Supplier<AnnIndex> s : all(4, Metric.L2)) {
            AnnIndex idx = filled(s, 50);
            DimensionMismatchException e = assertThrows(DimensionMismatchException.class, () -> idx.add(99, new float[3]));
            assertEquals(4, e.expected());
            assertEquals(3, e.actual());
            assertTrue(e.getMessage().contains("dimension 3") && e.getMessage().contains("4"), e.getMessage());
            assertThrows(DimensionMismatchException.class, () -> idx.search(new float[5], 1));
            assertEquals(50, idx.size(), "a rejected vector must not be added");
        }
    }

    @Test
    void nonFiniteComponentsAreRejected() {
        for (Supplier<AnnIndex> s : all(4, Metric.L2)) {
            AnnIndex idx = filled(s, 20);
            InvalidVectorException e = assertThrows(InvalidVectorException.class, () -> idx.add(100, new float[] {1, Float.NaN, 0, 0}));
            assertTrue(e.getMessage().contains("index 1"), e.getMessage());
            assertThrows(InvalidVectorException.class, () -> idx.search(new float[] {0, 0, Float.POSITIVE_INFINITY, 0}, 3));
            assertEquals(20, idx.size());
        }
    }

    @Test
    void kMustBePositiveAndLargeKReturnsEverything() {
        for (Supplier<AnnIndex> s : all(4, Metric.L2)) {
            AnnIndex idx = filled(s, 30);
            assertThrows(InvalidParameterException.class, () -> idx.search(new float[4], 0));
            assertThrows(InvalidParameterException.class, () -> idx.search(new float[4], -3));
            Neighbor[] all = idx.search(new float[] {0, 0, 0, 1}, 1000);
            assertEquals(30, all.length, idx.getClass().getSimpleName() + " with k > size returns every vector");
            assertEquals(30, java.util.Arrays.stream(all).mapToLong(Neighbor::id).distinct().count());
        }
    }

    @Test
    void emptyIndexSearchFails() {
        for (Supplier<AnnIndex> s : all(4, Metric.L2)) {
            EmptyIndexException e = assertThrows(EmptyIndexException.class, () -> s.get().search(new float[4], 1));
            assertTrue(e.getMessage().contains("add vectors"), e.getMessage());
        }
    }

    @Test
    void duplicateIdsAreRejected() {
        for (Supplier<AnnIndex> s : all(4, Metric.L2)) {
            AnnIndex idx = filled(s, 10);
            DuplicateIdException e = assertThrows(DuplicateIdException.class, () -> idx.add(3, new float[] {1, 2, 3, 4}));
            assertEquals(3, e.id());
            assertEquals(10, idx.size());
        }
    }

    @Test
    void zeroVectorsHaveNoCosine() {
        for (Supplier<AnnIndex> s : all(4, Metric.COSINE)) {
            AnnIndex idx = filled(s, 10);
            InvalidVectorException e = assertThrows(InvalidVectorException.class, () -> idx.add(50, new float[4]));
            assertTrue(e.getMessage().contains("zero norm"), e.getMessage());
            assertThrows(InvalidVectorException.class, () -> idx.search(new float[4], 1));
        }
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(InvalidParameterException.class, () -> new RabitqPlusIndex(4, 1, 0));
        assertThrows(InvalidParameterException.class, () -> new IvfRabitqIndex(0));
        assertThrows(InvalidParameterException.class, () -> new IvfRabitqIndex(4).setNprobe(-1));
        assertThrows(InvalidParameterException.class, () -> RabitqOptions.defaults().withCodeBits(100));
        assertThrows(InvalidParameterException.class, () -> RabitqOptions.defaults().withNlist(-2));
        assertThrows(InvalidParameterException.class, () -> Metric.parse("manhattan"));
        assertThrows(InvalidParameterException.class, () -> Kernels.select("gpu"));
    }

    @Test
    void addingAfterBuildIsSearchedAfterRebuild() {
        IvfRabitqIndex codesOnly = new IvfRabitqIndex(4);
        for (int i = 0; i < 100; i++) {
            codesOnly.add(i, new float[] {i, 0, 0, 0});
        }
        codesOnly.build();
        InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> codesOnly.add(1000, new float[4]));
        assertTrue(e.getMessage().contains("rebuild it from the source vectors"), e.getMessage());
        IvfRabitqIndex idx = new IvfRabitqIndex(4).storeRaw(true);
        for (int i = 0; i < 100; i++) {
            idx.add(i, new float[] {i, 0, 0, 0});
        }
        assertEquals(10, idx.search(new float[] {10, 0, 0, 0}, 1)[0].id());
        idx.add(1000, new float[] {500, 1, 0, 0});
        Neighbor best = idx.search(new float[] {500, 1, 0, 0}, 1)[0];
        assertEquals(1000, best.id());
        assertEquals(0f, best.distance());
    }

    /** Prepared queries rebuilt from their parts (as a Spark shuffle carries them) are checked before they are searched. */
    @Test
    void preparedQueriesFromPartsAreChecked() {
        IvfRabitqIndex idx = (IvfRabitqIndex) filled(() -> new IvfRabitqIndex(4, RabitqOptions.defaults()), 500);
        PreparedQueries q = idx.prepare(new float[][] {{1f, 0f, 0f, 1f}}, 2);
        PreparedQueries same = PreparedQueries.of(new float[][] {q.vector(0)}, new float[][] {q.rotated(0)}, new int[][] {q.probes(0)},
                q.codebook());
        assertEquals(List.of(idx.searchBatch(q, 3)[0]), List.of(idx.searchBatch(same, 3)[0]), "rebuilt from its parts, the same query");
        InvalidParameterException repeated = assertThrows(InvalidParameterException.class, () -> PreparedQueries.of(
                new float[][] {q.vector(0)}, new float[][] {q.rotated(0)}, new int[][] {{1, 0, 1}}, q.codebook()));
        assertTrue(repeated.getMessage().contains("must not repeat a cluster"), repeated.getMessage());
        PreparedQueries outside = PreparedQueries.of(new float[][] {q.vector(0)}, new float[][] {q.rotated(0)},
                new int[][] {{0, idx.nlist()}}, q.codebook());
        InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> idx.searchBatch(outside, 3));
        assertTrue(e.getMessage().contains("does not fit this index"), e.getMessage());
        PreparedQueries foreign = PreparedQueries.of(new float[][] {q.vector(0)}, new float[][] {q.rotated(0)}, null, "another");
        assertThrows(InvalidParameterException.class, () -> idx.searchBatch(foreign, 3));
    }
}
