package io.rabitq.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.BundleException;
import io.rabitq.core.DimensionMismatchException;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.RabitqOptions;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeTest {
    private static final long GB = 1L << 30;

    @TempDir
    Path tmp;

    private static long[] ids(int n, long first) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = first + i;
        }
        return out;
    }

    private static float[][] rows(Dataset d, int from, int to) {
        float[][] out = new float[to - from][];
        for (int i = from; i < to; i++) {
            out[i - from] = d.baseRow(i);
        }
        return out;
    }

    @Test
    void searchOneAnswersExactlyLikeTheDirectIndex() {
        Dataset d = ClusteredGaussian.generate(3000, 50, 64, 42);
        LocalBackend b = new LocalBackend("mem");
        b.put("docs", ids(3000, 0), rows(d, 0, 3000));
        IvfRabitqIndex direct = new IvfRabitqIndex(64, RabitqOptions.defaults());
        for (int i = 0; i < 3000; i++) {
            direct.add(i, d.baseRow(i));
        }
        direct.build();
        try (Lake lake = Lake.create(GB).registerBackend(b)) {
            List<List<Lake.Hit>> batch = lake.searchBatch("mem", "docs", d.queryRows(), 10);
            for (int q = 0; q < 50; q++) {
                Neighbor[] expected = direct.search(d.queryRow(q), 10);
                List<Lake.Hit> got = lake.searchOne("mem", "docs", d.queryRow(q), 10);
                assertEquals(10, got.size());
                for (int i = 0; i < 10; i++) {
                    assertEquals(new Lake.Hit("mem", "docs", expected[i].id(), expected[i].distance()), got.get(i));
                }
                assertEquals(got, batch.get(q), "batch and single searches agree");
            }
            CacheStats s = lake.cache().stats();
            assertEquals(1, s.primes());
            assertEquals(1, s.misses());
            assertEquals(50, s.hits(), "one check for the batch, one per single search (the first was the miss)");
        }
    }

    @Test
    void aNewGenerationIsPrimedUnderFreshAndServedStaleUnderEventualAndFrozen() {
        LocalBackend b = new LocalBackend("mem");
        float[] v = {1, 2, 3, 4};
        b.put("c", new long[] {10}, new float[][] {v});
        try (Lake fresh = Lake.create(GB).registerBackend(b)) {
            assertEquals(10, fresh.searchOne("mem", "c", v, 1).get(0).id());
            CacheStats s = fresh.cache().stats();
            assertEquals(List.of(1L, 1L, 0L), List.of(s.primes(), s.misses(), s.hits()));
            assertTrue(Double.isFinite(s.lastPrimeMs()) && s.lastPrimeMs() > 0 && s.avgPrimeMs() == s.lastPrimeMs());
            fresh.searchOne("mem", "c", v, 1);
            assertEquals(1, fresh.cache().stats().hits());
            b.append("c", 42, v);
            Set<Long> found = new HashSet<>();
            fresh.searchOne("mem", "c", v, 2).forEach(h -> found.add(h.id()));
            assertEquals(Set.of(10L, 42L), found);
            assertEquals(2, fresh.cache().stats().primes());
            assertEquals(1, fresh.cache().entryCount(), "the old generation's entry was freed");
            assertEquals(1, fresh.cache().stats().invalidations());
        }
        for (Consistency c : List.of(Consistency.eventual(Duration.ofMinutes(1)), Consistency.frozen())) {
            LocalBackend backend = new LocalBackend("mem");
            backend.put("c", new long[] {10}, new float[][] {v});
            try (Lake lake = new Lake(new VectorCache(8, GB, RabitqOptions.defaults()), c).registerBackend(backend)) {
                lake.searchOne("mem", "c", v, 2);
                backend.append("c", 42, v);
                for (int i = 0; i < 10; i++) {
                    assertEquals(1, lake.searchOne("mem", "c", v, 2).size(), c + ": no re-check, the old generation answers");
                }
                assertEquals(1, lake.cache().stats().primes());
                assertEquals(10, lake.cache().stats().hits());
                assertTrue(lake.invalidate("mem", "c"));
                assertEquals(2, lake.searchOne("mem", "c", v, 2).size(), c + ": after invalidate the next search re-primes");
            }
        }
    }

    @Test
    void federatedSearchOverFourShardsReachesTheRecallBar() {
        int perShard = 20_000;
        Dataset d = ClusteredGaussian.generate(4 * perShard, 200, 128, 7);
        LocalBackend b = new LocalBackend("lake");
        List<Lake.Target> targets = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            b.put("shard" + s, ids(perShard, (long) s * perShard), rows(d, s * perShard, (s + 1) * perShard));
            targets.add(new Lake.Target("lake", "shard" + s));
        }
        int[] truth = GroundTruth.compute(d.base(), d.queries(), 128, 10, "l2");
        int hits = 0;
        try (Lake lake = Lake.create(GB).registerBackend(b)) {
            for (int q = 0; q < 200; q++) {
                List<Lake.Hit> got = lake.searchFederated(targets, d.queryRow(q), 10);
                assertEquals(10, got.size());
                Set<Long> want = new HashSet<>();
                for (int i = 0; i < 10; i++) {
                    want.add((long) truth[q * 10 + i]);
                }
                for (int i = 0; i < got.size(); i++) {
                    Lake.Hit h = got.get(i);
                    assertEquals("shard" + (h.id() / perShard), h.collection(), "each hit names the collection holding it");
                    assertTrue(i == 0 || got.get(i - 1).distance() <= h.distance(), "merged by distance");
                    hits += want.contains(h.id()) ? 1 : 0;
                }
            }
            assertEquals(4, lake.cache().stats().primes());
        }
        double recall = hits / 2000.0;
        assertTrue(recall >= 0.95, "federated recall@10 " + recall);
    }

    /** Reports a shared data ref, as two replicas of one table would. */
    private record Replica(String id, LocalBackend data) implements BackendAdapter {
        public List<String> listCollections() {
            return data.listCollections();
        }

        public String generation(String c) {
            return data.generation(c);
        }

        public void pull(String c, String g, Consumer<VectorBatch> sink) {
            data.pull(c, g, sink);
        }

        public String dataRef(String c) {
            return "s3://bucket/" + c;
        }

        public Optional<Prebuilt> prebuilt(String c, String g) {
            return Optional.empty();
        }
    }

    @Test
    void keysOverTheSameBytesShareOneEntry() {
        Dataset d = ClusteredGaussian.generate(500, 5, 16, 3);
        LocalBackend data = new LocalBackend("x");
        data.put("t", ids(500, 0), rows(d, 0, 500));
        try (Lake lake = Lake.create(GB).registerBackend(new Replica("east", data)).registerBackend(new Replica("west", data))) {
            List<Lake.Hit> e = lake.searchOne("east", "t", d.queryRow(0), 5);
            List<Lake.Hit> w = lake.searchOne("west", "t", d.queryRow(0), 5);
            assertEquals(e.stream().map(Lake.Hit::id).toList(), w.stream().map(Lake.Hit::id).toList());
            CacheStats s = lake.cache().stats();
            assertEquals(1, s.primes());
            assertEquals(1, s.sharedHits());
            assertEquals(1, lake.cache().entryCount());
            String witness = lake.cache().witnessOf(new VectorCache.Key("east", "t"));
            assertEquals(witness, lake.cache().witnessOf(new VectorCache.Key("west", "t")));
            assertEquals(2, lake.cache().refcount(witness));
            assertEquals(1, lake.cache().statsByBackend().get("west").sharedHits());
        }
    }

    @Test
    void badInputGetsTypedErrors() {
        LocalBackend b = new LocalBackend("mem");
        b.put("c", new long[] {1, 2}, new float[][] {{1, 2}, {3, 4}});
        try (Lake lake = Lake.create(GB).registerBackend(b)) {
            assertThrows(DimensionMismatchException.class, () -> lake.searchOne("mem", "c", new float[] {1, 2, 3}, 1));
            assertThrows(LakeException.UnknownBackend.class, () -> lake.searchOne("nope", "c", new float[] {1, 2}, 1));
            assertThrows(LakeException.UnknownCollection.class, () -> lake.searchOne("mem", "missing", new float[] {1, 2}, 1));
            assertThrows(LakeException.class, () -> lake.registerBackend(new LocalBackend("mem")));
            assertThrows(LakeException.UnknownCollection.class, () -> lake.saveCacheToDir("mem", "missing", tmp.resolve("x")));
        }
        assertThrows(DimensionMismatchException.class, () -> b.put("d", new long[] {1, 2}, new float[][] {{1, 2}, {3}}));
        assertThrows(LakeException.class, () -> b.put("d", new long[] {1}, new float[][] {{1, 2}, {3, 4}}));
        assertThrows(LakeException.class, () -> new VectorCache(0, GB, RabitqOptions.defaults()));
    }

    @Test
    void theCapsBoundEntriesAndBytesLeastRecentlyUsedFirst() {
        Dataset d = ClusteredGaussian.generate(3000, 1, 32, 5);
        LocalBackend b = new LocalBackend("mem");
        for (int c = 0; c < 3; c++) {
            b.put("c" + c, ids(1000, c * 1000L), rows(d, c * 1000, (c + 1) * 1000));
        }
        try (Lake lake = new Lake(new VectorCache(2, GB, RabitqOptions.defaults()), Consistency.fresh()).registerBackend(b)) {
            for (int c = 0; c < 3; c++) {
                lake.searchOne("mem", "c" + c, d.queryRow(0), 3);
            }
            assertEquals(2, lake.cache().entryCount());
            assertEquals(1, lake.cache().stats().evictions());
            assertEquals(1, lake.cache().statsByBackend().get("mem").evictions(), "the backend's counter follows the global one");
            var byCollection = lake.cache().statsByCollection();
            assertEquals(1, byCollection.get(new VectorCache.Key("mem", "c0")).evictions(), "charged to the evicted collection");
            assertEquals(0, byCollection.get(new VectorCache.Key("mem", "c1")).evictions() + byCollection.get(new VectorCache.Key("mem", "c2")).evictions());
            assertNull(lake.cache().witnessOf(new VectorCache.Key("mem", "c0")), "the least recently used collection went");
            assertEquals(3, lake.searchOne("mem", "c0", d.queryRow(0), 3).size(), "and is primed again when searched");
            assertEquals(4, lake.cache().stats().primes());
        }
        long oneIndex;
        try (Lake probe = Lake.create(GB).registerBackend(b)) {
            probe.searchOne("mem", "c0", d.queryRow(0), 1);
            oneIndex = probe.cache().bytes();
        }
        try (Lake lake = new Lake(new VectorCache(100, oneIndex * 3 / 2, RabitqOptions.defaults()), Consistency.fresh()).registerBackend(b)) {
            lake.searchOne("mem", "c0", d.queryRow(0), 1);
            lake.searchOne("mem", "c1", d.queryRow(0), 1);
            assertEquals(1, lake.cache().entryCount());
            assertTrue(lake.cache().bytes() <= oneIndex * 3 / 2);
        }
        try (Lake lake = new Lake(new VectorCache(100, oneIndex / 2, RabitqOptions.defaults()), Consistency.fresh()).registerBackend(b)) {
            LakeException e = assertThrows(LakeException.class, () -> lake.searchOne("mem", "c0", d.queryRow(0), 1));
            assertTrue(e.getMessage().contains("byte cap"), e.getMessage());
        }
    }

    @Test
    void concurrentColdMissesPrimeOnceAndConcurrentSearchesAgree() throws Exception {
        Dataset d = ClusteredGaussian.generate(8000, 64, 32, 9);
        LocalBackend b = new LocalBackend("mem");
        b.put("a", ids(4000, 0), rows(d, 0, 4000));
        b.put("b", ids(4000, 4000), rows(d, 4000, 8000));
        List<Lake.Target> both = List.of(new Lake.Target("mem", "a"), new Lake.Target("mem", "b"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Lake lake = new Lake(new VectorCache(8, GB, RabitqOptions.defaults()), Consistency.eventual(Duration.ofMinutes(1)))
                .registerBackend(b)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Lake.Hit>>> cold = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                cold.add(pool.submit(() -> {
                    start.await();
                    return lake.searchOne("mem", "a", d.queryRow(0), 5);
                }));
            }
            start.countDown();
            for (Future<List<Lake.Hit>> f : cold) {
                assertEquals(cold.get(0).get(), f.get());
            }
            assertEquals(1, lake.cache().stats().primes(), "eight concurrent misses, one prime");
            lake.searchOne("mem", "b", d.queryRow(0), 5);
            List<List<Lake.Hit>> expected = new ArrayList<>();
            for (int q = 0; q < 64; q++) {
                expected.add(lake.searchFederated(both, d.queryRow(q), 5));
            }
            List<Future<Integer>> clients = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int offset = t;
                clients.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        int q = (offset * 7 + i) % 64;
                        List<Lake.Hit> got = i % 2 == 0 ? lake.searchFederated(both, d.queryRow(q), 5)
                                : lake.searchOne("mem", "a", d.queryRow(q), 5);
                        if (i % 2 == 0) {
                            assertEquals(expected.get(q), got);
                        }
                        assertEquals(5, got.size());
                    }
                    return 50;
                }));
            }
            for (Future<Integer> f : clients) {
                assertEquals(50, f.get());
            }
            assertEquals(2, lake.cache().stats().primes());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void publishRefreshAndWarmRestartServeWithoutABackend() throws Exception {
        Dataset d = ClusteredGaussian.generate(2000, 20, 32, 11);
        LocalBackend b = new LocalBackend("mem");
        b.put("c", ids(2000, 100), rows(d, 0, 2000));
        Path dir = tmp.resolve("published");
        try (Lake lake = Lake.create(GB).registerBackend(b)) {
            assertEquals(Lake.RefreshResult.BUNDLE_MISSING, lake.refreshFromBundleDir("mem", "c", dir));
            lake.publishBundle("mem", "c", dir);
            assertEquals(Lake.RefreshResult.UP_TO_DATE, lake.refreshFromBundleDir("mem", "c", dir));
            String before = lake.cache().witnessOf(new VectorCache.Key("mem", "c"));
            b.append("c", 99_999, d.queryRow(0));
            try (Lake publisher = Lake.create(GB).registerBackend(b)) {
                publisher.publishBundle("mem", "c", dir);
            }
            assertEquals(Lake.RefreshResult.INVALIDATED, lake.refreshFromBundleDir("mem", "c", dir));
            assertNull(lake.cache().witnessOf(new VectorCache.Key("mem", "c")));
            assertEquals(99_999, lake.searchOne("mem", "c", d.queryRow(0), 1).get(0).id());
            assertNotEquals(before, lake.cache().witnessOf(new VectorCache.Key("mem", "c")));

            Path saved = tmp.resolve("saved");
            List<List<Lake.Hit>> answers = lake.searchBatch("mem", "c", d.queryRows(), 10);
            lake.saveCacheToDir("mem", "c", saved);
            try (Lake restarted = new Lake(new VectorCache(4, GB, RabitqOptions.defaults()), Consistency.frozen())) {
                assertEquals(2001, restarted.warmFromDir("mem", "c", saved));
                assertEquals(answers, restarted.searchBatch("mem", "c", d.queryRows(), 10), "same ids, same distances, no backend");
                assertEquals(0, restarted.cache().stats().primes());
            }
            try (Lake restarted = Lake.create(GB).registerBackend(b)) { // FRESH: the backend agrees, so no re-prime
                restarted.warmFromDir("mem", "c", saved);
                assertEquals(answers.get(0), restarted.searchOne("mem", "c", d.queryRow(0), 10));
                assertEquals(0, restarted.cache().stats().primes());
                assertEquals(1, restarted.cache().stats().hits());
            }
        }
        Path manifest = Files.list(dir).filter(p -> p.getFileName().toString().startsWith("gen-") || Files.isDirectory(p))
                .map(p -> p.resolve("manifest.json")).filter(Files::exists).findFirst().orElseThrow();
        Files.writeString(manifest, Files.readString(manifest).replace("\"dim\" : 32", "\"dim\" : 33").replace("\"dim\":32", "\"dim\":33"));
        try (Lake lake = Lake.create(GB).registerBackend(b)) {
            lake.searchOne("mem", "c", d.queryRow(0), 1);
            assertThrows(BundleException.class, () -> lake.refreshFromBundleDir("mem", "c", dir), "a tampered bundle is refused");
        }
    }

    @Test
    void statsStartUndefinedAndAttributeToBackendAndCollection() {
        LocalBackend hot = new LocalBackend("hot");
        LocalBackend cold = new LocalBackend("cold");
        float[][] zeros = new float[100][16];
        hot.put("t", ids(100, 0), zeros);
        cold.put("t", ids(100, 0), zeros);
        try (Lake lake = new Lake(new VectorCache(8, GB, RabitqOptions.defaults()), Consistency.eventual(Duration.ofMinutes(1)))
                .registerBackend(hot).registerBackend(cold)) {
            CacheStats none = lake.cache().stats();
            assertTrue(Double.isNaN(none.hitRate()) && Double.isNaN(none.avgPrimeMs()) && Double.isNaN(none.lastPrimeMs()));
            lake.searchOne("cold", "t", zeros[0], 1);
            for (int i = 0; i < 100; i++) {
                lake.searchOne("hot", "t", zeros[0], 1);
            }
            CacheStats h = lake.cache().statsByBackend().get("hot");
            assertEquals(99, h.hits());
            assertEquals(1, h.primes());
            assertTrue(h.hitRate() >= 0.95);
            assertEquals(0, lake.cache().statsByBackend().get("cold").hits());
            assertEquals(h, lake.cache().statsByCollection().get(new VectorCache.Key("hot", "t")));
            assertEquals(2, lake.cache().stats().primes());
        }
    }

    @Test
    void bundleBackendLoadsPublishedBundlesAndFollowsRepublishing() {
        Dataset d = ClusteredGaussian.generate(2000, 10, 32, 13);
        IvfRabitqIndex index = new IvfRabitqIndex(32, RabitqOptions.defaults()).storeRaw(true); // pull needs raw vectors
        for (int i = 0; i < 2000; i++) {
            index.add(i, d.baseRow(i));
        }
        index.build();
        Path root = tmp.resolve("bundles");
        IndexBundles.publish(index, root.resolve("docs"), 2, new IndexBundles.Source("test", "1", java.util.Map.of()));
        BundleBackend b = new BundleBackend("bundles", root);
        assertEquals(List.of("docs"), b.listCollections());
        try (Lake lake = Lake.create(GB).registerBackend(b)) {
            for (int q = 0; q < 10; q++) {
                Neighbor[] want = index.search(d.queryRow(q), 10);
                List<Lake.Hit> got = lake.searchOne("bundles", "docs", d.queryRow(q), 10);
                for (int i = 0; i < 10; i++) {
                    assertEquals(want[i].id(), got.get(i).id());
                    assertEquals(want[i].distance(), got.get(i).distance());
                }
            }
            long[] pulled = {0};
            b.pull("docs", b.generation("docs"), batch -> pulled[0] += batch.size());
            assertEquals(2000, pulled[0]);
            IvfRabitqIndex smaller = new IvfRabitqIndex(32, RabitqOptions.defaults());
            for (int i = 0; i < 10; i++) {
                smaller.add(5000 + i, d.baseRow(i));
            }
            smaller.build();
            IndexBundles.publish(smaller, root.resolve("docs"), 1, new IndexBundles.Source("test", "2", java.util.Map.of()));
            assertTrue(lake.searchOne("bundles", "docs", d.queryRow(0), 3).get(0).id() >= 5000, "the republished bundle answers");
            assertEquals(2, lake.cache().stats().primes());
            assertFalse(lake.cache().entryCount() > 1);
        }
    }
}
