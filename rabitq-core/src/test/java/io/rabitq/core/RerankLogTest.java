package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An index split into parts (clusters dealt at random, as no real layout would, or in contiguous ranges, as bundles
 * are written) answers, once the parts' rerank logs are merged in any order, exactly what the whole index answers:
 * same ids, same distances.
 */
class RerankLogTest {
    static final int DIM = 64;

    @ParameterizedTest
    @CsvSource({"L2, 10, 8, 3, false, 1, true", "L2, 1, 4, 5, false, 1, true", "L2, 50, 16, 2, false, 1, true",
        "COSINE, 10, 8, 4, false, 1, true", "INNER_PRODUCT, 10, 8, 3, false, 1, true", "L2, 10, 8, 2, true, 1, true",
        "COSINE, 10, 16, 3, true, 1, true", "INNER_PRODUCT, 1, 4, 4, true, 1, true",
        // extended codes: ranked by their estimate (no raw vectors), or gating the exact rerank a second time
        "L2, 10, 8, 3, false, 5, false", "COSINE, 10, 16, 3, true, 4, true", "INNER_PRODUCT, 10, 8, 3, true, 3, false"})
    void mergedLogsOfPartsEqualTheWholeIndex(Metric metric, int k, int nprobe, int parts, boolean ranges, int bits, boolean raw) {
        Dataset data = ClusteredGaussian.generate(12_000, 150, DIM, 5);
        IvfRabitqIndex whole = new IvfRabitqIndex(DIM, RabitqOptions.defaults().withMetric(metric).withBits(bits)).storeRaw(raw);
        for (int i = 0; i < data.size(); i++) {
            whole.add(i, data.baseRow(i));
        }
        whole.build();
        float[][] queries = data.queryRows();
        QuantizedIndex.SearchStats before = whole.searchStats();
        Neighbor[][] expected = whole.searchBatch(queries, k, nprobe);
        long wholeReranks = whole.searchStats().reranked() - before.reranked();
        PreparedQueries prepared = whole.prepare(queries, nprobe);
        int[][] probes = prepared.probes;

        Random rnd = new Random(metric.ordinal() * 31L + k);
        IndexSnapshot s = whole.snapshot();
        int[] owner = new int[s.nlist()];
        Arrays.setAll(owner, c -> ranges ? c * parts / s.nlist() : rnd.nextInt(parts));
        List<RerankLog[]> partLogs = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            List<IndexSnapshot.Cluster> mine = new ArrayList<>();
            for (int c = 0; c < s.nlist(); c++) {
                mine.add(owner[c] == p ? s.clusters().get(c) : new IndexSnapshot.Cluster(new long[0], new long[0],
                        new float[][] {new float[0], new float[0], new float[0], new float[0]}, raw ? RawVectors.of(new float[0], s.dim()) : null,
                        bits > 1 ? new long[0] : null, bits > 1 ? new float[][] {new float[0], new float[0], new float[0]} : null));
            }
            IndexSnapshot part = new IndexSnapshot(s.variant(), s.dim(), s.metric(), s.rotation(), s.seed(), s.codeBits(),
                    s.bits(), s.foldedCentroids(), s.params(), s.centroids(), mine);
            partLogs.add(((IvfRabitqIndex) QuantizedIndex.restore(part)).searchLogs(prepared, k));
        }
        int totalEntries = 0;
        for (int j = 0; j < queries.length; j++) {
            List<RerankLog> logs = new ArrayList<>();
            for (RerankLog[] l : partLogs) {
                logs.add(l[j]);
            }
            int lead = owner[probes[j][0]];
            int held = 0;
            while (held < probes[j].length && owner[probes[j][held]] == lead) {
                held++;
            }
            if (Arrays.stream(probes[j], held, probes[j].length).noneMatch(c -> owner[c] == lead)) {
                // the part holding the first probes, and no later one, leads the scan and sends only its k best
                assertTrue(partLogs.get(lead)[j].size() <= k, "query " + j);
            }
            Collections.shuffle(logs, rnd);
            RerankLog merged = RerankLog.empty();
            for (RerankLog l : logs) {
                merged = RerankLog.merge(l, merged, k);
            }
            totalEntries += merged.size();
            assertEquals(Arrays.asList(expected[j]), Arrays.asList(merged.neighbors(k)), metric + " query " + j);
            assertEquals(Arrays.asList(expected[j]), Arrays.asList(RerankLog.neighbors(logs.toArray(RerankLog[]::new), k)),
                    metric + " query " + j + ", replayed over the union");
        }
        // a part logs what the whole reranks there plus what its looser gate lets through (a part leading a query's
        // scan only its k best); merging trims it again
        assertTrue(totalEntries <= 1.5 * wholeReranks,
                totalEntries + " merged log entries for " + wholeReranks + " reranks in the whole index");
    }

    /**
     * The same property on synthetic candidates whose lower bounds often exceed their distances (the error bound
     * failing far more often than RaBitQ's does), where a part gating on its own distances alone would go wrong.
     */
    @Test
    void mergedLogsReplayTheSequentialGateEvenWhenBoundsFail() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + rnd.nextInt(300);
            int k = 1 + rnd.nextInt(20);
            int parts = 1 + rnd.nextInt(5);
            float[] lb = new float[n];
            float[] d = new float[n];
            for (int i = 0; i < n; i++) {
                d[i] = (float) (-Math.log(1 - rnd.nextDouble()));
                lb[i] = d[i] + (float) (rnd.nextGaussian() * 0.5 - 0.4);
            }
            TopK whole = new TopK(Math.min(k, n));
            for (int i = 0; i < n; i++) {
                if (lb[i] < whole.threshold()) {
                    whole.offer(d[i], 1000 + i);
                }
            }
            List<RerankLog> logs = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                RerankLog.Builder b = new RerankLog.Builder(k, n, 4);
                for (int i = 0; i < n; i++) {
                    if (i % parts == p && lb[i] <= b.limit()) {
                        b.add(i, lb[i], 1000 + i, d[i]);
                    }
                }
                logs.add(b.build(1f));
            }
            Collections.shuffle(logs, rnd);
            RerankLog merged = RerankLog.empty();
            for (RerankLog l : logs) {
                merged = RerankLog.merge(merged, l, k);
            }
            List<Neighbor> expected = Arrays.asList(whole.drainNeighbors());
            assertEquals(expected, Arrays.asList(merged.neighbors(k)), "trial " + trial);
            assertEquals(expected, Arrays.asList(RerankLog.neighbors(logs.toArray(RerankLog[]::new), k)), "trial " + trial + ", union");
        }
    }
}
