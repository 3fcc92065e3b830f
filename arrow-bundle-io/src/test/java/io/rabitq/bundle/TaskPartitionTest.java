package io.rabitq.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Partitions written by separate tasks, with failed and repeated attempts, commit into one generation. */
class TaskPartitionTest {
    @TempDir
    Path dir;

    private static Manifest.PartitionEntry writeTask(Path work, int number, String attempt, int rows, boolean crash) {
        PartitionWriter w = PartitionWriter.forTask(work, number, attempt, TestBundles.spec("t"));
        for (int r = 0; r < rows; r++) {
            w.append(number * 1000L + r, r * TestBundles.NLIST / rows, new byte[8], new float[] {r, 0, 0, 0}, new float[TestBundles.DIM]);
            if (crash && r == rows / 2) {
                w.abort(); // the attempt dies half-way: its private file stays behind, no final file appears
                return null;
            }
        }
        w.close();
        return w.entry();
    }

    @Test
    void retriedAndRepeatedAttemptsCommitExactlyOnce() throws Exception {
        Manifest m;
        try (GenerationWriter g = GenerationWriter.begin(dir, TestBundles.spec("t"))) {
            g.writeCentroids(new float[TestBundles.NLIST * TestBundles.DIM]);
            Path work = g.workDirectory();
            writeTask(work, 0, "attempt-0", 500, true);
            Manifest.PartitionEntry p0 = writeTask(work, 0, "attempt-1", 500, false);
            Manifest.PartitionEntry p1 = writeTask(work, 1, "attempt-0", 300, false);
            Manifest.PartitionEntry p1again = writeTask(work, 1, "speculative", 300, false);
            assertEquals(p1, p1again, "attempts of a task write identical files");
            Manifest.PartitionEntry empty = writeTask(work, 2, "attempt-0", 0, false);
            g.addPartition(1, p1);
            g.addPartition(0, p0);
            g.addPartition(2, empty);
            assertThrows(BundleException.class, () -> g.addPartition(1, p1));
            m = g.publish();
        }
        try (Bundle b = Bundle.open(dir)) {
            assertEquals(800, b.manifest().rows());
            assertEquals(500, b.readPartition(0).rows());
            assertEquals(0, b.readPartition(2).rows());
            assertArrayEquals(new long[] {1000, 1001}, java.util.Arrays.copyOf(b.readPartition(1).ids(), 2));
            assertEquals(m.witness(), b.manifest().witness());
        }
        try (var s = Files.list(dir.resolve("gen-000001"))) {
            assertEquals(List.of("READERS.lock", "centroids.arrow", "manifest.json", "part-00000.arrow", "part-00001.arrow", "part-00002.arrow"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "failed attempts leave nothing behind");
        }
    }

    @Test
    void aPartitionWhoseTaskNeverFinishedCannotBeCommitted() {
        try (GenerationWriter g = GenerationWriter.begin(dir, TestBundles.spec("t"))) {
            Manifest.PartitionEntry ghost = new Manifest.PartitionEntry("part-00000.arrow", 10, 100, "0".repeat(64), List.of());
            assertThrows(CorruptBundleException.class, () -> g.addPartition(0, ghost));
        }
    }
}
