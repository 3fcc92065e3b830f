package io.rabitq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every engine of the suite answers with row ids that match exact ground truth at its widest setting, so no peer is misread. */
class PeersTest {
    @Test
    void everyEngineFindsTheTrueNeighboursAtItsWidestSetting() {
        int n = 3000;
        int dim = 24;
        Dataset d = ClusteredGaussian.generate(n, 30, dim, 3);
        float[][] base = d.baseRows();
        int[] truth = GroundTruth.compute(d.base(), d.queries(), dim, 10, "l2");
        List<Function<float[][], Peers.Engine>> engines = List.of(Peers::flat, Peers::ivf, b -> Peers.lucene(b, 32), b -> Peers.lucene(b, 7),
                Peers::hnswlib);
        for (Function<float[][], Peers.Engine> make : engines) {
            try (Peers.Engine e = make.apply(base)) {
                int[] sweep = e.sweep();
                e.setKnob(sweep[sweep.length - 1]);
                int hits = 0;
                for (int q = 0; q < 30; q++) {
                    int[] found = e.search(d.queryRow(q), 10);
                    assertEquals(10, found.length, e.name());
                    Set<Integer> want = new HashSet<>();
                    for (int i = 0; i < 10; i++) {
                        want.add(truth[q * 10 + i]);
                    }
                    for (int id : found) {
                        hits += want.contains(id) ? 1 : 0;
                    }
                }
                // quantized formats without rerank plateau near 0.9; a misread id mapping would give ~0
                assertTrue(hits / 300.0 >= 0.8, e.name() + " recall@10 " + hits / 300.0);
            }
        }
    }
}
