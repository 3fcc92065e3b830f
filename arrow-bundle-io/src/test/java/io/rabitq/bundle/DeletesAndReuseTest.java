package io.rabitq.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generation that reuses its predecessor's partition files and deletes rows through per-partition deletion sets. */
class DeletesAndReuseTest {
    @TempDir
    Path dir;

    /** gen-000002: partition 0 reused as is, partition 1 reused with ids of rows 3 and 5 deleted. */
    private Manifest republishWithDeletes() {
        TestBundles.publish(dir, 1, 2, 30);
        try (Bundle base = Bundle.open(dir);
             GenerationWriter g = GenerationWriter.begin(dir, TestBundles.spec("v2"))) {
            g.writeCentroids(base.readCentroids());
            g.reusePartition(base, 0);
            g.reusePartition(base, 1, new long[] {TestBundles.id(1, 1, 3), TestBundles.id(1, 1, 5)}, 2);
            return g.publishOver(base.generation());
        }
    }

    @Test
    void deletedRowsAreNeverReadAndUnchangedFilesAreShared() throws Exception {
        Manifest m = republishWithDeletes();
        assertEquals(3, m.formatVersion());
        assertEquals(58, m.rows());
        try (Bundle b = Bundle.open(dir)) {
            assertEquals("gen-000002", b.generation());
            PartitionData d = b.readPartition(1);
            assertEquals(28, d.rows());
            assertFalse(Arrays.stream(d.ids()).anyMatch(id -> id == TestBundles.id(1, 1, 3) || id == TestBundles.id(1, 1, 5)));
            assertEquals(28, d.ranges().stream().mapToLong(Manifest.ClusterRange::rows).sum());
            assertEquals(28, d.raw().size());
            float[] raw = new float[TestBundles.DIM];
            for (int i = 0; i < d.rows(); i++) { // the mapped raw column skips the deleted rows too
                d.raw().read(i, raw, 0);
                assertArrayEquals(TestBundles.raw(1, 1, (int) (d.ids()[i] - TestBundles.id(1, 1, 0))), raw);
            }
            for (Manifest.ClusterRange r : d.ranges()) {
                for (long k = r.firstRow(); k < r.firstRow() + r.rows(); k++) {
                    assertEquals(r.cluster(), d.clusters()[(int) k]);
                }
            }
            assertArrayEquals(new long[] {TestBundles.id(1, 1, 3), TestBundles.id(1, 1, 5)}, b.readDeletes(1));
            assertEquals(30, b.readPartition(0).rows());
            assertTrue(Files.isSameFile(dir.resolve("gen-000001/part-00000.arrow"), dir.resolve("gen-000002/part-00000.arrow")));
            assertTrue(Files.isSameFile(dir.resolve("gen-000001/part-00001.arrow"), dir.resolve("gen-000002/part-00001.arrow")));
        }
    }

    @Test
    void theWitnessCoversTheDeletionSet() throws Exception {
        republishWithDeletes();
        Path manifest = dir.resolve("gen-000002").resolve(Bundles.MANIFEST);
        String original = Files.readString(manifest);
        Files.writeString(manifest, original.replace("\"ids\" : 2", "\"ids\" : 1"));
        assertTrue(assertThrows(CorruptBundleException.class, () -> Bundle.open(dir).close()).getMessage().contains("witness"));
        Files.writeString(manifest, original);
        Path deletes = dir.resolve("gen-000002/part-00001.deletes.arrow");
        byte[] bytes = Files.readAllBytes(deletes);
        bytes[bytes.length / 2] ^= 1;
        Files.write(deletes, bytes);
        assertTrue(assertThrows(CorruptBundleException.class, () -> Bundle.open(dir).close()).getMessage().contains("deletes.arrow"));
    }

    @Test
    void aDeletedIdThePartitionDoesNotHoldIsRefused() {
        TestBundles.publish(dir, 1, 1, 10);
        try (Bundle base = Bundle.open(dir);
             GenerationWriter g = GenerationWriter.begin(dir, TestBundles.spec("v2"))) {
            g.writeCentroids(base.readCentroids());
            g.reusePartition(base, 0, new long[] {777, TestBundles.id(1, 0, 2)}, 2);
            g.publish();
        }
        try (Bundle b = Bundle.open(dir)) {
            assertTrue(assertThrows(CorruptBundleException.class, () -> b.readPartition(0)).getMessage().contains("777"));
        }
    }

    @Test
    void aPublisherWhoseBaseMovedPublishesNothing() {
        TestBundles.publish(dir, 1, 1, 10);
        try (Bundle base = Bundle.open(dir);
             GenerationWriter g = GenerationWriter.begin(dir, TestBundles.spec("v2"))) {
            g.writeCentroids(base.readCentroids());
            g.reusePartition(base, 0, new long[] {TestBundles.id(1, 0, 2)}, 1);
            TestBundles.publish(dir, 3, 1, 10); // another writer wins
            ConcurrentPublishException e = assertThrows(ConcurrentPublishException.class, () -> g.publishOver(base.generation()));
            assertTrue(e.getMessage().contains("gen-000003"), e.getMessage()); // gen-000002 was this writer's tentative name
        }
        assertEquals("gen-000003", Bundles.currentGeneration(dir).orElseThrow());
        try (Bundle b = Bundle.open(dir)) {
            assertEquals(TestBundles.id(3, 0, 0), b.readPartition(0).ids()[0]);
        }
    }

    @Test
    void retentionKeepsAHeldGenerationAndNeverBreaksFilesAnotherShares() {
        republishWithDeletes();
        try (Bundle held = Bundle.open(dir, "gen-000001", Bundle.Verification.FULL)) {
            assertEquals(List.of(), Bundles.retain(dir, 1));
            assertEquals(30, held.readPartition(1).rows());
        }
        assertEquals(List.of("gen-000001"), Bundles.retain(dir, 1));
        try (Bundle b = Bundle.open(dir)) { // every byte re-hashed: the shared files survived their first generation
            assertEquals(58, b.readPartition(0).rows() + b.readPartition(1).rows());
        }
    }
}
