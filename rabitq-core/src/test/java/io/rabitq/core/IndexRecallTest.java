package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.Recall;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Recall of every index variant against exact ground truth, fixed seeds (n = 20,000, D = 128, 200 queries). */
class IndexRecallTest {
    static final int N = 20_000;
    static final int DIM = 128;
    static Dataset data;
    static long[] truthL2;

    @BeforeAll
    static void data() {
        data = ClusteredGaussian.generate(N, 200, DIM, 91);
        truthL2 = truth("l2");
    }

    static long[] truth(String metric) {
        int[] t = GroundTruth.compute(data.base(), data.queries(), DIM, 10, metric);
        long[] out = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = t[i];
        }
        return out;
    }

    static double recallAt10(AnnIndex idx, long[] truth) {
        for (int i = 0; i < N; i++) {
            idx.add(i, data.baseRow(i));
        }
        Neighbor[][] res = idx.searchBatch(data.queryRows(), 10);
        long[][] ids = new long[res.length][];
        for (int i = 0; i < res.length; i++) {
            assertEquals(10, res[i].length);
            for (int j = 1; j < res[i].length; j++) {
                assertTrue(res[i][j - 1].distance() <= res[i][j].distance(), "results sorted by distance");
            }
            ids[i] = java.util.Arrays.stream(res[i]).mapToLong(Neighbor::id).toArray();
        }
        return Recall.atK(truth, 10, ids, 10);
    }

    @Test
    void flatIsExact() {
        assertEquals(1.0, recallAt10(new FlatIndex(DIM), truthL2), 1e-9);
    }

    @Test
    void ivfReachesHighRecallAtDefaultNprobe() {
        IvfRabitqIndex idx = new IvfRabitqIndex(DIM);
        double recall = recallAt10(idx, truthL2);
        assertTrue(recall >= 0.95, "IvfRabitqIndex recall@10 " + recall + " at nprobe " + idx.nprobe() + "/" + idx.nlist());
        assertTrue(idx.nprobe() < idx.nlist(), "the default must not scan everything");
    }

    @Test
    void bothQueryModesReachTheSameRecallAndRestoreWithTheirOwnMode() {
        IvfRabitqIndex folded = new IvfRabitqIndex(DIM).setNprobe(16);
        IvfRabitqIndex perCluster = new IvfRabitqIndex(DIM).setNprobe(16).foldCentroids(false); // bundles before the default
        double foldedRecall = recallAt10(folded, truthL2);
        double perClusterRecall = recallAt10(perCluster, truthL2);
        assertTrue(folded.snapshot().foldedCentroids() && !perCluster.snapshot().foldedCentroids());
        assertEquals(perClusterRecall, foldedRecall, 0.01, "the extended refine never used the quantized query");
        assertTrue(foldedRecall >= 0.95, "recall@10 " + foldedRecall);
        for (IvfRabitqIndex idx : new IvfRabitqIndex[] {folded, perCluster}) {
            QuantizedIndex restored = QuantizedIndex.restore(idx.snapshot());
            Neighbor[][] before = idx.searchBatch(data.queryRows(), 10);
            Neighbor[][] after = restored.searchBatch(data.queryRows(), 10);
            for (int i = 0; i < before.length; i++) {
                assertArrayEquals(before[i], after[i], "query " + i + " (folded " + idx.foldsCentroids() + ")");
            }
        }
    }

    @Test
    void aRecallTargetReachesItOnNewQueriesAtAMeasuredNprobe() {
        IvfRabitqIndex idx = new IvfRabitqIndex(DIM);
        recallAt10(idx, truthL2); // builds
        RecallCurve curve = idx.recallCurve().orElseThrow();
        for (int i = 1; i < curve.nprobe().length; i++) {
            assertTrue(curve.nprobe()[i] > curve.nprobe()[i - 1], "an ascending ladder: " + curve);
        }
        for (double target : new double[] {0.9, 0.95}) {
            int p = idx.nprobeFor(target);
            double recall = recall(idx.searchBatch(data.queryRows(), 10, p));
            assertTrue(recall >= target, "recall " + target + " asked, nprobe " + p + " gave " + recall + " (curve " + curve + ")");
            int i = java.util.Arrays.binarySearch(curve.nprobe(), p);
            if (i > 1) { // the rung below the one before it falls short: within one rung of the smallest that suffices
                double below = recall(idx.searchBatch(data.queryRows(), 10, curve.nprobe()[i - 2]));
                assertTrue(below < target, "nprobe " + curve.nprobe()[i - 2] + " already gives " + below + " >= " + target);
            }
        }
        IvfRabitqIndex restored = (IvfRabitqIndex) QuantizedIndex.restore(idx.snapshot());
        assertEquals(curve, restored.recallCurve().orElseThrow(), "the curve travels with the index");
        assertEquals(idx.nprobeFor(0.95), restored.nprobeFor(0.95));
        assertThrows(InvalidParameterException.class, () -> idx.nprobeFor(1.5));
        double ceiling = java.util.Arrays.stream(curve.recall()).max().orElseThrow();
        assertTrue(ceiling < 0.999, "7-bit codes without raw vectors top out below 1: " + curve);
        assertThrows(InvalidParameterException.class, () -> idx.nprobeFor(Math.min(1, ceiling + 0.005)),
                "a recall above what any nprobe reached is refused, not silently missed");
    }

    private static double recall(Neighbor[][] res) {
        long[][] ids = new long[res.length][];
        for (int i = 0; i < res.length; i++) {
            ids[i] = java.util.Arrays.stream(res[i]).mapToLong(Neighbor::id).toArray();
        }
        return Recall.atK(truthL2, 10, ids, 10);
    }

    @Test
    void plusWithRerankFactor20ReachesNinetyNinePercent() {
        double recall = recallAt10(new RabitqPlusIndex(DIM, 42, 20), truthL2);
        assertTrue(recall >= 0.99, "RabitqPlusIndex x20 recall@10 " + recall);
    }

    @Test
    void codesOnlyIndexFarBeatsTheSignHashEstimator() {
        // the reference's sign-hash (SimHash) estimator reaches 8.1% recall@10 on this distribution
        double recall = recallAt10(new RabitqIndex(DIM, 42), truthL2);
        assertTrue(recall >= 0.25, "RabitqIndex recall@10 " + recall);
        double asym = recallAt10(new RabitqAsymIndex(DIM, 42, 1), truthL2);
        assertTrue(asym >= 0.25, "RabitqAsymIndex recall@10 " + asym);
    }

    /** Extended codes without any raw vector: recall rises with the bits, and the codes-only variants close the gap. */
    @Test
    void extendedCodesReachHighRecallWithoutRawVectors() {
        double previous = 0;
        StringBuilder seen = new StringBuilder();
        for (int bits : new int[] {1, 3, 5, 7}) {
            IvfRabitqIndex idx = new IvfRabitqIndex(DIM, RabitqOptions.defaults().withBits(bits)).storeRaw(false);
            double recall = recallAt10(idx, truthL2);
            seen.append(bits).append(" bits: ").append(recall).append("; ");
            assertTrue(recall >= previous, "recall must not fall with more bits: " + seen);
            assertTrue(idx.memoryBytes() < (long) N * DIM * 4 / 2, "no raw vectors held: " + idx.memoryBytes() + " bytes");
            previous = recall;
        }
        assertTrue(previous >= 0.95, "7-bit codes without raw vectors: " + seen);
        double codesOnly = recallAt10(new RabitqIndex(DIM, RabitqOptions.defaults().withBits(5)), truthL2);
        assertTrue(codesOnly >= 0.9, "RabitqIndex at 5 bits recall@10 " + codesOnly);
        double plus = recallAt10(new RabitqPlusIndex(DIM, RabitqOptions.defaults().withBits(3), 2), truthL2);
        assertTrue(plus >= 0.97, "RabitqPlusIndex at 3 bits x2 recall@10 " + plus);
    }

    /** Trained on a sample, then fed row by row: the rows are encoded as they arrive and never held twice. */
    @Test
    void aStreamedBuildReachesTheDefaultRecall() {
        IvfRabitqIndex idx = new IvfRabitqIndex(DIM);
        float[][] sample = new float[2000][];
        for (int i = 0; i < sample.length; i++) {
            sample[i] = data.baseRow(i * (N / sample.length));
        }
        idx.train(sample, N);
        assertThrows(InvalidParameterException.class, () -> idx.train(sample, N), "train happens once");
        double recall = recallAt10(idx, truthL2);
        assertEquals(N, idx.size());
        assertTrue(recall >= 0.95, "streamed IvfRabitqIndex recall@10 " + recall + " at nprobe " + idx.nprobe() + "/" + idx.nlist());
        assertTrue(idx.memoryBytes() < (long) N * DIM * 4 / 2, "codes only: " + idx.memoryBytes() + " bytes");
        assertThrows(InvalidParameterException.class, () -> idx.add(-1, new float[DIM]), "a streamed index is read-only once built");
    }

    @ParameterizedTest
    @EnumSource(value = Metric.class, names = {"INNER_PRODUCT", "COSINE"})
    void otherMetricsReachHighRecall(Metric metric) {
        long[] truth = truth(metric == Metric.COSINE ? "cosine" : "ip");
        IvfRabitqIndex ivf = new IvfRabitqIndex(DIM, RabitqOptions.defaults().withMetric(metric));
        double recall = recallAt10(ivf, truth);
        assertTrue(recall >= 0.9, metric + " IvfRabitqIndex recall@10 " + recall);
        double flat = recallAt10(new FlatIndex(DIM, metric), truth);
        assertTrue(flat >= 0.999, metric + " FlatIndex recall@10 " + flat);
    }

    @Test
    void distancesAreExactForRerankingIndexes() {
        IvfRabitqIndex ivf = new IvfRabitqIndex(DIM).storeRaw(true);
        FlatIndex flat = new FlatIndex(DIM);
        for (int i = 0; i < 3000; i++) {
            ivf.add(i, data.baseRow(i));
            flat.add(i, data.baseRow(i));
        }
        Neighbor[] a = ivf.search(data.queryRow(0), 5);
        Neighbor[] b = flat.search(data.queryRow(0), 5);
        for (int i = 0; i < 5; i++) {
            if (a[i].id() == b[i].id()) {
                assertEquals(b[i].distance(), a[i].distance(), 1e-3f * b[i].distance());
            }
        }
    }

    @Test
    void batchEqualsSingleAndBuildsAreDeterministic() {
        IvfRabitqIndex a = new IvfRabitqIndex(DIM);
        IvfRabitqIndex b = new IvfRabitqIndex(DIM);
        for (int i = 0; i < 8000; i++) {
            a.add(i, data.baseRow(i));
            b.add(i, data.baseRow(i));
        }
        float[][] q = data.queryRows();
        Neighbor[][] batch = a.searchBatch(q, 10);
        Neighbor[][] other = b.searchBatch(q, 10);
        for (int j = 0; j < q.length; j++) {
            assertArrayEquals(batch[j], a.search(q[j], 10), "query " + j + " alone vs in a batch");
            assertArrayEquals(batch[j], other[j], "query " + j + " on a second build with the same seed");
        }
    }

    /** Each query scans its nearest clusters first, nearest first, then its other probes in ascending id. */
    @Test
    void queriesScanTheirNearestClustersFirst() {
        IvfRabitqIndex index = new IvfRabitqIndex(DIM);
        for (int i = 0; i < 8000; i++) {
            index.add(i, data.baseRow(i));
        }
        index.build();
        float[] centroids = index.snapshot().centroids();
        PreparedQueries prepared = index.prepare(data.queryRows(), 12);
        int lead = IvfEngine.LEAD_PROBES;
        for (int j = 0; j < prepared.size(); j++) {
            int[] probes = prepared.probes(j);
            assertEquals(12, probes.length);
            float[] q = prepared.vector(j);
            double[] d = java.util.Arrays.stream(probes).mapToDouble(c -> squaredL2(q, centroids, c * DIM)).toArray();
            double nearestOther = java.util.stream.IntStream.range(0, index.nlist())
                    .filter(c -> java.util.Arrays.stream(probes).noneMatch(p -> p == c))
                    .mapToDouble(c -> squaredL2(q, centroids, c * DIM)).min().orElseThrow();
            for (int r = 0; r < probes.length; r++) {
                assertTrue(d[r] <= nearestOther * (1 + 1e-5), "query " + j + ": probe " + r + " is among the nearest clusters");
                if (r > 0 && r < lead) {
                    assertTrue(d[r - 1] <= d[r] * (1 + 1e-5), "query " + j + ": lead probes nearest first");
                }
                if (r >= lead) {
                    assertTrue(d[lead - 1] <= d[r] * (1 + 1e-5), "query " + j + ": lead probes nearer than the rest");
                }
                if (r > lead) {
                    assertTrue(probes[r - 1] < probes[r], "query " + j + ": later probes in ascending id");
                }
            }
        }
    }

    private static double squaredL2(float[] q, float[] rows, int at) {
        double s = 0;
        for (int i = 0; i < q.length; i++) {
            double x = q[i] - rows[at + i];
            s += x * x;
        }
        return s;
    }
}
