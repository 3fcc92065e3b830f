package io.rabitq.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Bundles;
import io.rabitq.core.RabitqOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cache entry's identity comes from verified bytes only: an edited (unsigned) tag cannot make collections share. */
class CacheIdentityTest {
    @TempDir
    Path tmp;

    private static float[][] vectors(int n, float offset) {
        float[][] v = new float[n][];
        for (int i = 0; i < n; i++) {
            v[i] = new float[] {i + offset, offset, 1, 2, 3, 4, 5, i % 3};
        }
        return v;
    }

    private static long[] ids(int n, long first) {
        return java.util.stream.LongStream.range(first, first + n).toArray();
    }

    @Test
    void aForgedWitnessTagDoesNotMakeOneCollectionAnswerWithAnothersIds() throws Exception {
        LocalBackend mem = new LocalBackend("mem");
        mem.put("a", ids(100, 0), vectors(100, 0));
        mem.put("b", ids(100, 5_000), vectors(100, 0.5f));
        Path saved = tmp.resolve("b-saved");
        String witnessA;
        try (Lake lake = Lake.create(1L << 30).registerBackend(mem)) {
            lake.searchOne("mem", "b", new float[8], 1);
            lake.saveCacheToDir("mem", "b", saved);
        }
        try (Lake lake = new Lake(new VectorCache(8, 1L << 30, RabitqOptions.defaults()), Consistency.frozen()).registerBackend(mem)) {
            lake.searchOne("mem", "a", new float[8], 1); // a is cached under its witness
            witnessA = lake.cache().witnessOf(new VectorCache.Key("mem", "a"));
            Path gen = saved.resolve(Bundles.currentGeneration(saved).orElseThrow());
            String manifest = Files.readString(gen.resolve(Bundles.MANIFEST));
            String tagB;
            try (Bundle b = Bundle.open(saved)) {
                tagB = b.manifest().tags().get(Lake.WITNESS_TAG);
            }
            Files.writeString(gen.resolve(Bundles.MANIFEST), manifest.replace(tagB, witnessA)); // tags are outside the witness
            try (Bundle forged = Bundle.open(saved)) {
                assertEquals(witnessA, forged.manifest().tags().get(Lake.WITNESS_TAG), "the forged bundle still verifies");
            }
            lake.warmFromDir("mem", "b", saved);
            long nearest = lake.searchOne("mem", "b", vectors(1, 0.5f)[0], 1).get(0).id();
            assertEquals(5_000, nearest, "b answers with b's ids");
            assertNotEquals(witnessA, lake.cache().witnessOf(new VectorCache.Key("mem", "b")));
            assertTrue(lake.searchOne("mem", "a", vectors(1, 0)[0], 1).get(0).id() < 100, "a still answers with a's ids");
        }
    }
}
