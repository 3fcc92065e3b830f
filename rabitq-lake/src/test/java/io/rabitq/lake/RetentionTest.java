package io.rabitq.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Bundles;
import io.rabitq.bundle.CorruptBundleException;
import io.rabitq.bundle.GenerationGoneException;
import io.rabitq.core.IvfRabitqIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Normal retention (old generations removed while readers work) is never reported as corruption. */
class RetentionTest {
    @TempDir
    Path tmp;

    /** Publishes a small index whose every vector has id {@code 1000 * g + i}, so a hit names its generation. */
    private static void publish(Path dir, int g) {
        IvfRabitqIndex index = new IvfRabitqIndex(8);
        for (int i = 0; i < 50; i++) {
            index.add(1000L * g + i, new float[] {i, g, 1, 2, 3, 4, 5, (i * 7) % 11});
        }
        IndexBundles.publish(index, dir, 1, new IndexBundles.Source("test", Integer.toString(g), Map.of()));
    }

    @Test
    void aRemovedGenerationIsGoneNotCorruptAndCurrentNamingNothingIsCorrupt() throws Exception {
        Path dir = tmp.resolve("b");
        publish(dir, 1);
        String first = Bundles.currentGeneration(dir).orElseThrow();
        publish(dir, 2);
        Bundles.retain(dir, 1);
        assertThrows(GenerationGoneException.class, () -> Bundle.open(dir, first, Bundle.Verification.QUICK));
        try (Bundle live = Bundle.open(dir)) {
            assertTrue(!live.generation().equals(first));
        }
        Files.writeString(dir.resolve(Bundles.CURRENT), first + "\n");
        CorruptBundleException dangling = assertThrows(CorruptBundleException.class, () -> Bundle.open(dir));
        assertTrue(dangling.getMessage().contains("names generation " + first + ", which does not exist"), dangling.getMessage());
    }

    @Test
    void theCacheLoadsTheGenerationThatReplacedOneRemovedBetweenReadingAndLoading() {
        Path root = tmp.resolve("root");
        Path dir = root.resolve("docs");
        publish(dir, 1);
        String stale = Bundles.currentGeneration(dir).orElseThrow();
        publish(dir, 2);
        Bundles.retain(dir, 1);
        BundleBackend bundles = new BundleBackend("bundles", root);
        BackendAdapter racy = new BackendAdapter() { // reads CURRENT just before retention removed that generation
            private boolean first = true;

            public String id() {
                return "bundles";
            }

            public List<String> listCollections() {
                return bundles.listCollections();
            }

            public String generation(String collection) {
                String g = first ? stale : bundles.generation(collection);
                first = false;
                return g;
            }

            public void pull(String collection, String generation, Consumer<VectorBatch> sink) {
                bundles.pull(collection, generation, sink);
            }

            public Optional<Prebuilt> prebuilt(String collection, String generation) {
                return bundles.prebuilt(collection, generation);
            }
        };
        VectorCache cache = new VectorCache(4, 1L << 30, io.rabitq.core.RabitqOptions.defaults());
        long id = cache.resolve(racy, "docs", Consistency.fresh()).search(new float[] {0, 2, 1, 2, 3, 4, 5, 0}, 1)[0].id();
        assertEquals(2000, id, "generation 2 answers");
    }

    @Test
    void searchesDuringPublishAndRetentionNeverSeeCorruption() throws Exception {
        Path root = tmp.resolve("live");
        Path dir = root.resolve("docs");
        publish(dir, 1);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        int[] searches = {0};
        Thread reader = new Thread(() -> {
            try (Lake lake = Lake.create(1L << 30).registerBackend(new BundleBackend("b", root))) {
                while (!done.get()) {
                    long id = lake.searchOne("b", "docs", new float[] {0, 1, 1, 2, 3, 4, 5, 0}, 1).get(0).id();
                    if (id % 1000 != 0) {
                        errors.add(new AssertionError("nearest id " + id + " is not the first vector of a generation"));
                    }
                    searches[0]++;
                }
            } catch (Throwable t) {
                errors.add(t);
            }
        });
        reader.start();
        for (int g = 2; g <= 25; g++) {
            publish(dir, g);
            Bundles.retain(dir, 1);
        }
        done.set(true);
        reader.join();
        assertEquals(List.of(), List.copyOf(errors), "errors while " + searches[0] + " searches ran during 24 publishes");
        assertTrue(searches[0] > 0);
    }
}
