package io.rabitq.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishCrashAndConcurrencyTest {
    @TempDir
    Path dir;

    /** Every row of every partition must come from the same publish (ids encode the publish's tag). */
    static long checkWhole(Bundle b) {
        long tag = b.readPartition(0).ids()[0] / 1_000_000;
        for (int p = 0; p < b.manifest().partitions().size(); p++) {
            long[] ids = b.readPartition(p).ids();
            for (int r = 0; r < ids.length; r++) {
                assertEquals(TestBundles.id(tag, p, r), ids[r], "row " + r + " of partition " + p + " in " + b.generation());
            }
        }
        assertEquals(tag + 0.5f * 0, b.readCentroids()[0], "centroids from the same publish");
        return tag;
    }

    @Test
    void aPublisherKilledAtAnyMomentLeavesAVerifiableLiveGeneration() throws Exception {
        TestBundles.publish(dir, 1, 3, 20_000);
        long[] killAfterMillis = {150, 400, 700, 1100, 1700, 2300};
        String lastGeneration = "gen-000001";
        for (long delay : killAfterMillis) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    PublishLoop.class.getName(), dir.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolveSibling(dir.getFileName() + "-child.log").toFile()).start();
            Thread.sleep(delay);
            child.destroyForcibly().waitFor();
            try (Bundle b = Bundle.open(dir, Bundle.Verification.FULL)) {
                checkWhole(b);
                assertTrue(b.generation().compareTo(lastGeneration) >= 0, "the live generation never goes back");
                lastGeneration = b.generation();
            }
        }
        // leftovers of killed writers never confuse the next writer, and can be cleaned up
        Manifest next = TestBundles.publish(dir, 999, 3, 100);
        try (Bundle b = Bundle.open(dir)) {
            assertEquals(next.witness(), b.manifest().witness());
            assertEquals(999, checkWhole(b));
        }
        Bundles.removeAbandoned(dir, Duration.ZERO);
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")));
        }
    }

    @Test
    void readersSeeWholeGenerationsWhileAWriterPublishes() throws Exception {
        TestBundles.publish(dir, 1, 3, 2000);
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger reads = new AtomicInteger();
        Thread[] readers = new Thread[3];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new Thread(() -> {
                while (!done.get()) {
                    try (Bundle b = Bundle.open(dir, Bundle.Verification.FULL)) {
                        checkWhole(b);
                        reads.incrementAndGet();
                    } catch (Throwable t) {
                        errors.add(t);
                        return;
                    }
                }
            });
            readers[i].start();
        }
        for (long tag = 2; tag <= 25; tag++) {
            TestBundles.publish(dir, tag, 3, 2000);
            Bundles.retain(dir, 2); // deleting old generations must not break readers holding them
        }
        done.set(true);
        for (Thread t : readers) {
            t.join();
        }
        assertTrue(errors.isEmpty(), () -> "a reader failed: " + errors.peek());
        assertTrue(reads.get() > 10, "readers ran " + reads.get() + " times");
    }
}
