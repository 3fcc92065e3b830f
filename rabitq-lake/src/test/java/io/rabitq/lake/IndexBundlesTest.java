package io.rabitq.lake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.CorruptBundleException;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Metric;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RabitqAsymIndex;
import io.rabitq.core.RabitqIndex;
import io.rabitq.core.RabitqOptions;
import io.rabitq.core.RabitqPlusIndex;
import io.rabitq.core.InvalidParameterException;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every index variant survives a bundle round trip with identical ids and distances. */
class IndexBundlesTest {
    @TempDir
    Path dir;

    static final Dataset DATA = ClusteredGaussian.generate(6000, 40, 100, 4);

    static QuantizedIndex filled(QuantizedIndex idx) {
        for (int i = 0; i < DATA.size(); i++) {
            idx.add(1_000_000_007L * i, DATA.baseRow(i)); // ids beyond 32 bits survive
        }
        return idx;
    }

    @Test
    void everyVariantRoundTripsBitIdentically() {
        List<QuantizedIndex> all = List.of(
                new IvfRabitqIndex(100, RabitqOptions.defaults().withMetric(Metric.COSINE)).setNprobe(5),
                new IvfRabitqIndex(100, RabitqOptions.defaults().withMetric(Metric.INNER_PRODUCT)),
                new RabitqIndex(100, 9), new RabitqPlusIndex(100, 3, 7), new RabitqAsymIndex(100, 5, 3), new RabitqAsymIndex(100, 5, 1),
                // extended codes: without raw vectors, with them, and in a codes-only variant
                new IvfRabitqIndex(100, RabitqOptions.defaults().withBits(5)).storeRaw(false),
                new IvfRabitqIndex(100, RabitqOptions.defaults().withMetric(Metric.INNER_PRODUCT).withBits(9)).storeRaw(true),
                new RabitqIndex(100, RabitqOptions.defaults().withBits(3)));
        int n = 0;
        for (QuantizedIndex idx : all) {
            filled(idx);
            Path b = dir.resolve("b" + n++);
            Manifest m = IndexBundles.publish(idx, b, 3, new IndexBundles.Source("file:///vectors", "12", Map.of("pii_policy", "none")));
            assertEquals(3, m.partitions().size());
            assertEquals(DATA.size(), m.rows());
            assertEquals("12", m.sourceVersion());
            assertEquals(idx.bits(), m.bits());
            assertEquals(idx.bits() == 1 ? 1 : 2, m.formatVersion(), "extended codes are format version 2");
            assertEquals(idx.hasRawVectors(), m.hasRaw());
            QuantizedIndex back = IndexBundles.load(b);
            assertEquals(idx.getClass(), back.getClass());
            assertEquals(idx.size(), back.size());
            assertEquals(idx.metric(), back.metric());
            float[][] q = DATA.queryRows();
            Neighbor[][] before = idx.searchBatch(q, 10);
            Neighbor[][] after = back.searchBatch(q, 10);
            for (int j = 0; j < q.length; j++) {
                assertArrayEquals(before[j], after[j], idx.getClass().getSimpleName() + " query " + j);
            }
        }
    }

    @Test
    void rawVectorsAreNeverOnTheHeapBuiltOrLoaded() {
        IvfRabitqIndex withRaw = (IvfRabitqIndex) filled(new IvfRabitqIndex(100).storeRaw(true));
        IvfRabitqIndex codesOnly = (IvfRabitqIndex) filled(new IvfRabitqIndex(100).storeRaw(false));
        IndexBundles.Source src = new IndexBundles.Source("t", "1", Map.of());
        IndexBundles.publish(withRaw, dir.resolve("raw"), 3, src);
        IndexBundles.publish(codesOnly, dir.resolve("codes"), 3, src);
        QuantizedIndex loaded = IndexBundles.load(dir.resolve("raw"));
        long rawBytes = 4L * DATA.size() * 100;
        assertTrue(withRaw.memoryBytes() < codesOnly.memoryBytes() + rawBytes / 20,
                "built: " + withRaw.memoryBytes() + " bytes held for " + rawBytes + " bytes of raw vectors (mapped temporary file)");
        assertTrue(loaded.memoryBytes() < IndexBundles.load(dir.resolve("codes")).memoryBytes() + rawBytes / 20,
                "loaded: " + loaded.memoryBytes() + " bytes held for " + rawBytes + " bytes of raw vectors (mapped partition files)");
        assertTrue(loaded.hasRawVectors());
        Neighbor[] exact = loaded.search(DATA.queryRows()[0], 5);
        Neighbor[] built = withRaw.search(DATA.queryRows()[0], 5);
        assertArrayEquals(built, exact, "mapped raw vectors rerank exactly as the heap copy did");
    }

    @Test
    void sameIndexPublishedTwiceHasTheSameWitness() {
        IvfRabitqIndex a = (IvfRabitqIndex) filled(new IvfRabitqIndex(100));
        IvfRabitqIndex b = (IvfRabitqIndex) filled(new IvfRabitqIndex(100));
        IndexBundles.Source src = new IndexBundles.Source("t", "1", Map.of());
        assertEquals(IndexBundles.publish(a, dir.resolve("a"), 2, src).witness(), IndexBundles.publish(b, dir.resolve("b"), 2, src).witness());
    }

    @Test
    void restoredIndexesTakeNewVectorsOnlyWhenRawVectorsWereStored() {
        RabitqIndex codesOnly = (RabitqIndex) filled(new RabitqIndex(100, 1));
        IndexBundles.publish(codesOnly, dir.resolve("c"), 1, new IndexBundles.Source("t", "1", Map.of()));
        QuantizedIndex back = IndexBundles.load(dir.resolve("c"));
        assertThrows(InvalidParameterException.class, () -> back.add(-1, new float[100]));
        IvfRabitqIndex ivf = (IvfRabitqIndex) filled(new IvfRabitqIndex(100).storeRaw(true));
        IndexBundles.publish(ivf, dir.resolve("i"), 1, new IndexBundles.Source("t", "1", Map.of()));
        QuantizedIndex ivfBack = IndexBundles.load(dir.resolve("i"));
        float[] v = new float[100];
        v[0] = 1000;
        ivfBack.add(-5, v);
        assertEquals(-5, ivfBack.search(v, 1)[0].id());
        assertEquals(DATA.size() + 1, ivfBack.size());
    }

    @Test
    void aDamagedBundleIsNeverLoaded() throws Exception {
        IndexBundles.publish(filled(new IvfRabitqIndex(100)), dir, 2, new IndexBundles.Source("t", "1", Map.of()));
        Path part = dir.resolve("gen-000001").resolve("part-00001.arrow");
        byte[] bytes = Files.readAllBytes(part);
        bytes[bytes.length / 3] ^= 1;
        Files.write(part, bytes);
        CorruptBundleException e = assertThrows(CorruptBundleException.class, () -> IndexBundles.load(dir));
        assertTrue(e.getMessage().contains("part-00001.arrow"));
        try (Bundle quick = Bundle.open(dir, Bundle.Verification.QUICK)) {
            assertEquals("gen-000001", quick.generation(), "the quick check trusts contents, by design");
        }
    }
}
