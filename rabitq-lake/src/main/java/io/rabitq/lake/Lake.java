package io.rabitq.lake;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Bundles;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RabitqOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Searches collections of registered backends through one {@link VectorCache}: single queries, batches, and
 * federated queries over several collections (in parallel, merged by distance); publishes cached indexes as
 * bundles and warms the cache from them, so a restarted process serves without any backend.
 *
 * <p>Consistency is chosen per collection ({@link #setConsistency}), with a lake-wide default. Thread-safe.
 */
public final class Lake implements AutoCloseable {
    /** One search result: where it came from, its id and its exact distance. */
    public record Hit(String backend, String collection, long id, float distance) {
    }

    /** A collection to search in a federated query. */
    public record Target(String backend, String collection) {
    }

    /** What {@link #refreshFromBundleDir} found. */
    public enum RefreshResult {
        /** The directory holds what the cache serves (or the cache serves nothing for the key yet). */
        UP_TO_DATE,
        /** The directory moved on; the cached index was dropped and the next search re-primes. */
        INVALIDATED,
        /** The directory holds no published bundle. */
        BUNDLE_MISSING
    }

    /** Manifest tags of bundles the lake writes: the cache witness and generation they stand for. */
    static final String WITNESS_TAG = "lake.witness";
    static final String GENERATION_TAG = "lake.generation";

    private final VectorCache cache;
    private final Consistency defaultConsistency;
    private final Map<String, BackendAdapter> backends = new ConcurrentHashMap<>();
    private final Map<VectorCache.Key, Consistency> consistency = new ConcurrentHashMap<>();
    private final ExecutorService fanOut;

    public Lake(VectorCache cache, Consistency defaultConsistency) {
        this.cache = cache;
        this.defaultConsistency = defaultConsistency;
        this.fanOut = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "lake-federation");
            t.setDaemon(true);
            return t;
        });
    }

    /** A lake with an uncapped-by-count cache of at most {@code maxBytes}, default index options, FRESH consistency. */
    public static Lake create(long maxBytes) {
        return new Lake(new VectorCache(Integer.MAX_VALUE, maxBytes, RabitqOptions.defaults()), Consistency.fresh());
    }

    /** Registers {@code backend} under its id; ids are unique. */
    public Lake registerBackend(BackendAdapter backend) {
        if (backends.putIfAbsent(backend.id(), backend) != null) {
            throw new LakeException("a backend with id '" + backend.id() + "' is already registered");
        }
        return this;
    }

    /** Overrides the consistency of one collection. */
    public Lake setConsistency(String backend, String collection, Consistency c) {
        consistency.put(new VectorCache.Key(backend, collection), c);
        return this;
    }

    public VectorCache cache() {
        return cache;
    }

    /** The k nearest neighbours of {@code query} in one collection, ascending by distance. */
    public List<Hit> searchOne(String backend, String collection, float[] query, int k) {
        return hits(backend, collection, resolve(backend, collection).search(query, k));
    }

    /** One coherence check for the whole batch, then the batch search; results in query order. */
    public List<List<Hit>> searchBatch(String backend, String collection, float[][] queries, int k) {
        Neighbor[][] found = resolve(backend, collection).searchBatch(queries, k);
        List<List<Hit>> out = new ArrayList<>(found.length);
        for (Neighbor[] n : found) {
            out.add(hits(backend, collection, n));
        }
        return out;
    }

    /**
     * The k nearest neighbours of {@code query} over all {@code targets}, searched in parallel and merged by
     * distance (ties by target order). Every shard answers with exact distances, so its own top k is all the
     * merge can use from it: the global top k is the k best of the shards' top k. Any shard's error fails the call.
     */
    public List<Hit> searchFederated(List<Target> targets, float[] query, int k) {
        List<CompletableFuture<List<Hit>>> shards = new ArrayList<>();
        for (Target t : targets) {
            shards.add(CompletableFuture.supplyAsync(() -> searchOne(t.backend(), t.collection(), query, k), fanOut));
        }
        List<Hit> all = new ArrayList<>();
        try {
            for (CompletableFuture<List<Hit>> f : shards) {
                all.addAll(f.join());
            }
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        all.sort(Comparator.comparingDouble(Hit::distance)); // stable: equal distances keep target order
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }

    /**
     * Publishes the collection's current index (checked against the backend first, primed if needed) as a new
     * bundle generation of {@code dir}, tagged with the cache witness and generation so {@link #refreshFromBundleDir}
     * can tell it is what the cache serves. Indexes loaded from a bundle are always cached under the bundle's own
     * (verified) witness, never under a tag.
     */
    public Manifest publishBundle(String backend, String collection, Path dir) {
        BackendAdapter b = backend(backend);
        cache.resolve(b, collection, Consistency.fresh());
        return save(new VectorCache.Key(backend, collection), b.dataRef(collection), dir);
    }

    /** Saves exactly the index the cache serves for the collection (no backend call) as a bundle generation of {@code dir}. */
    public Manifest saveCacheToDir(String backend, String collection, Path dir) {
        BackendAdapter b = backends.get(backend);
        return save(new VectorCache.Key(backend, collection), b == null ? backend + "://" + collection : b.dataRef(collection), dir);
    }

    private Manifest save(VectorCache.Key key, String dataRef, Path dir) {
        QuantizedIndex index = cache.indexOf(key);
        String witness = cache.witnessOf(key);
        String generation = cache.generationOf(key);
        if (index == null) {
            throw new LakeException.UnknownCollection(key.backend(), key.collection(), "the cache holds nothing for it; search it first");
        }
        return IndexBundles.publish(index, dir, 1, new IndexBundles.Source(dataRef, generation,
                Map.of(WITNESS_TAG, witness, GENERATION_TAG, generation)));
    }

    /**
     * Loads the bundle in {@code dir} (every byte verified) into the cache for the collection; no backend is
     * needed, and with {@link Consistency#frozen()} none is ever asked. Returns the number of vectors.
     */
    public long warmFromDir(String backend, String collection, Path dir) {
        try (Bundle b = Bundle.open(dir, Bundle.Verification.FULL)) {
            QuantizedIndex index = IndexBundles.load(b);
            Manifest m = b.manifest();
            cache.installPrebuilt(new VectorCache.Key(backend, collection), m.witness(),
                    m.tags().getOrDefault(GENERATION_TAG, b.generation()), index);
            return index.size();
        }
    }

    /**
     * Compares the bundle published in {@code dir} with what the cache serves for the collection and drops the
     * cached index if they differ. Never primes; a key the cache does not serve is {@link RefreshResult#UP_TO_DATE}
     * so a polling loop does not keep firing. A tampered bundle is refused with a {@code BundleException}.
     */
    public RefreshResult refreshFromBundleDir(String backend, String collection, Path dir) {
        if (Bundles.currentGeneration(dir).isEmpty()) {
            return RefreshResult.BUNDLE_MISSING;
        }
        Manifest published;
        try (Bundle b = Bundle.open(dir, Bundle.Verification.QUICK)) {
            published = b.manifest();
        }
        VectorCache.Key key = new VectorCache.Key(backend, collection);
        String cached = cache.witnessOf(key);
        // the cache serves these very bytes, or the index this bundle was saved from (the tag only decides whether to
        // reload: a forged tag can delay a refresh, never make one collection serve another's entry)
        if (cached == null || cached.equals(published.witness()) || cached.equals(published.tags().get(WITNESS_TAG))) {
            return RefreshResult.UP_TO_DATE;
        }
        cache.invalidate(key);
        return RefreshResult.INVALIDATED;
    }

    /** Drops the cached index of the collection; the next search re-primes. False if none was cached. */
    public boolean invalidate(String backend, String collection) {
        return cache.invalidate(new VectorCache.Key(backend, collection));
    }


    /** The collection's index; a key warmed from a directory is served without its backend while the consistency allows. */
    private QuantizedIndex resolve(String backend, String collection) {
        VectorCache.Key key = new VectorCache.Key(backend, collection);
        Consistency c = consistency.getOrDefault(key, defaultConsistency);
        BackendAdapter b = backends.get(backend);
        if (b != null) {
            return cache.resolve(b, collection, c);
        }
        QuantizedIndex cached = cache.cachedWithoutCheck(key, c);
        if (cached == null) {
            throw new LakeException.UnknownBackend(backend);
        }
        return cached;
    }

    private BackendAdapter backend(String id) {
        BackendAdapter b = backends.get(id);
        if (b == null) {
            throw new LakeException.UnknownBackend(id);
        }
        return b;
    }

    private static List<Hit> hits(String backend, String collection, Neighbor[] found) {
        List<Hit> out = new ArrayList<>(found.length);
        for (Neighbor n : found) {
            out.add(new Hit(backend, collection, n.id(), n.distance()));
        }
        return out;
    }

    @Override
    public void close() {
        fanOut.shutdownNow();
    }
}
