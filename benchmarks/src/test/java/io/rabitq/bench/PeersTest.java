package io.rabitq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import java.util.HashSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
        List<Function<float[][], Peers.Engine>> engines = List.of(Peers::flat, b -> Peers.ivf(b, 0, null), b -> Peers.ivf(b, 5, false), b -> Peers.lucene(b, 32), b -> Peers.lucene(b, 7),
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

    @Test
    void theLucene10PeerInASecondJvmFindsTheTrueNeighbours() throws Exception {
        Optional<Path> java = Lucene10.java(new String[1]);
        assumeTrue(java.isPresent(), "no JDK 21+ on this machine for the Lucene 10 peer");
        Dataset d = ClusteredGaussian.generate(2000, 20, 16, 5);
        PeerSuite.Data data = new PeerSuite.Data("small", "cmd", d.baseRows(), d.queryRows(),
                GroundTruth.compute(d.base(), d.queries(), 16, 100, "l2"));
        List<Report.Row> rows = Lucene10.run(data, java.get(), List.of("float32", "bbq"), "cmd --only lucene10-");
        int sweep = Peers.GRAPH_SWEEP.length; // the values Lucene10Peer sweeps too
        assertEquals(2 * sweep, rows.size(), sweep + " numCandidates per format");
        Report.Row widestFloat = rows.get(sweep - 1);
        assertTrue(widestFloat.engine().contains("float32") && widestFloat.recall10() >= 0.9, widestFloat.toString());
        Report.Row widestBbq = rows.get(2 * sweep - 1);
        assertTrue(widestBbq.engine().contains("bbq") && widestBbq.recall10() >= 0.9, widestBbq.toString());
        assertTrue(widestBbq.qps() > 0 && widestBbq.bytesPerVector() > 0, widestBbq.toString());
        assertEquals("cmd --only lucene10-bbq", widestBbq.command());
    }
}
