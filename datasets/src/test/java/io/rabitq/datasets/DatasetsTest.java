package io.rabitq.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path dir;

    @Test
    void clusteredGaussianIsSeededAndHasTheReferenceShape() {
        Dataset a = ClusteredGaussian.generate(5000, 10, 32, 7);
        Dataset b = ClusteredGaussian.generate(5000, 10, 32, 7);
        Dataset c = ClusteredGaussian.generate(5000, 10, 32, 8);
        assertArrayEquals(a.base(), b.base());
        assertArrayEquals(a.queries(), b.queries());
        assertTrue(!Arrays.equals(a.base(), c.base()));
        // per-coordinate variance = variance of uniform[-2,2] centres (4/3) + sigma^2 (0.36)
        double sum = 0;
        double sq = 0;
        for (float v : a.base()) {
            sum += v;
            sq += v * v;
        }
        double mean = sum / a.base().length;
        double var = sq / a.base().length - mean * mean;
        assertEquals(4.0 / 3 + 0.36, var, 0.15);
        assertEquals(5000, a.size());
        assertEquals(10, a.queryCount());
    }

    @Test
    void vecsFilesRoundTrip() throws IOException {
        float[] f = {1.5f, -2, 3, 4, 5, 6};
        int[] i = {7, 8, 9, 10, 11, 12};
        float[] b = {0, 255, 17, 3, 4, 200};
        VecsIO.writeFvecs(dir.resolve("a.fvecs"), f, 3);
        VecsIO.writeIvecs(dir.resolve("a.ivecs"), i, 2);
        VecsIO.writeBvecs(dir.resolve("a.bvecs"), b, 6);
        VecsIO.Matrix<float[]> rf = VecsIO.readFvecs(dir.resolve("a.fvecs"), -1);
        assertEquals(2, rf.rows());
        assertEquals(3, rf.dim());
        assertArrayEquals(f, rf.data());
        assertArrayEquals(i, VecsIO.readIvecs(dir.resolve("a.ivecs"), -1).data());
        assertArrayEquals(b, VecsIO.readBvecs(dir.resolve("a.bvecs"), -1).data());
        assertEquals(1, VecsIO.readFvecs(dir.resolve("a.fvecs"), 1).rows());
        // layout: int32 LE dimension then components
        byte[] raw = Files.readAllBytes(dir.resolve("a.fvecs"));
        assertEquals(2 * (4 + 12), raw.length);
        assertEquals(3, raw[0]);
    }

    @Test
    void truncatedOrMixedFilesAreRefused() throws IOException {
        VecsIO.writeFvecs(dir.resolve("t.fvecs"), new float[] {1, 2, 3, 4, 5, 6}, 3);
        byte[] raw = Files.readAllBytes(dir.resolve("t.fvecs"));
        Files.write(dir.resolve("cut.fvecs"), Arrays.copyOf(raw, raw.length - 2));
        IOException e = assertThrows(IOException.class, () -> VecsIO.readFvecs(dir.resolve("cut.fvecs"), -1));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        raw[16] = 2; // second row claims dimension 2 (same byte count thanks to the sizes chosen below)
        Files.write(dir.resolve("mixed.fvecs"), raw);
        assertThrows(IOException.class, () -> VecsIO.readFvecs(dir.resolve("mixed.fvecs"), -1));
        assertThrows(IllegalArgumentException.class, () -> VecsIO.writeBvecs(dir.resolve("x.bvecs"), new float[] {256}, 1));
    }

    @Test
    void groundTruthMatchesNaiveSortForEveryMetric() {
        Dataset d = ClusteredGaussian.generate(700, 20, 16, 3);
        for (String metric : new String[] {"l2", "ip", "cosine"}) {
            int[] gt = GroundTruth.compute(d.base(), d.queries(), 16, 5, metric);
            for (int q = 0; q < 20; q++) {
                final int qq = q;
                Integer[] order = new Integer[700];
                for (int i = 0; i < 700; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (x, y) -> Double.compare(naive(d, qq, x, metric), naive(d, qq, y, metric)));
                for (int j = 0; j < 5; j++) {
                    assertEquals(order[j].intValue(), gt[q * 5 + j], metric + " query " + q + " rank " + j);
                }
            }
        }
    }

    private static double naive(Dataset d, int q, int i, String metric) {
        double dot = 0;
        double l2 = 0;
        double nq = 0;
        double nb = 0;
        for (int k = 0; k < d.dim(); k++) {
            double a = d.queries()[q * d.dim() + k];
            double b = d.base()[i * d.dim() + k];
            dot += a * b;
            l2 += (a - b) * (a - b);
            nq += a * a;
            nb += b * b;
        }
        return metric.equals("l2") ? l2 : metric.equals("ip") ? -dot : 1 - dot / Math.sqrt(nq * nb);
    }

    @Test
    void recallCountsOverlapInTheFirstK() {
        long[] truth = {1, 2, 3, 4, 5, 6};
        long[][] found = {{3, 9, 1}, {4, 5, 6}};
        assertEquals((2 + 3) / 6.0, Recall.atK(truth, 3, found, 3), 1e-12);
        assertEquals((0 + 1) / 2.0, Recall.atK(truth, 3, found, 1), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Recall.atK(truth, 3, found, 4));
    }

    @Test
    void wordNetGlossesAreReadWithTheirFirstLemmaAndTheHeaderSkipped() throws Exception {
        java.nio.file.Path dict = java.nio.file.Files.createTempDirectory("wordnet");
        java.nio.file.Files.writeString(dict.resolve("data.noun"), String.join("\n",
                "  1 This software and database is being provided to you, the LICENSEE, by Princeton University",
                "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived or known  ",
                "00002137 03 n 02 abstraction 0 abstract_entity 0 010 @ 00001740 n 0000 | a general concept; \"an abstraction\"",
                ""));
        java.nio.file.Files.writeString(dict.resolve("data.verb"), "00001740 29 v 04 breathe 0 take_a_breath 0 | draw air into the lungs\n");
        java.nio.file.Files.writeString(dict.resolve("data.adj"), "");
        java.nio.file.Files.writeString(dict.resolve("data.adv"), "00001740 02 r 01 barely 0 000 | only just\n");
        assertEquals(java.util.List.of("entity: that which is perceived or known", "abstraction: a general concept; \"an abstraction\"",
                "breathe: draw air into the lungs", "barely: only just"), WordNet.glosses(dict, 100));
        assertEquals(2, WordNet.glosses(dict, 2).size());
        java.nio.file.Files.delete(dict.resolve("data.adv"));
        java.io.IOException missing = assertThrows(java.io.IOException.class, () -> WordNet.glosses(dict, 100));
        assertTrue(missing.getMessage().contains("fetch-wordnet.sh"), missing.getMessage());
    }
}
