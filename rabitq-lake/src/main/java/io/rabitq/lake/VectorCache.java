package io.rabitq.lake;

import io.rabitq.bundle.GenerationGoneException;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RabitqOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compressed indexes of backend collections, addressed by the witness of the bytes they were built from: keys
 * ({@code backend, collection}) point at entries, and two keys over the same bytes share one entry.
 *
 * <p>Searches resolve a key to an immutable index through concurrent maps and scan it without any lock; only
 * installing, invalidating and evicting take the cache's monitor, briefly. Concurrent misses on one key prime it
 * once and share the result. The entry cap and the byte cap bound memory: over either, the least recently used
 * entries no key points at go first, then the least recently used of the others (their keys re-prime on the
 * next search). One entry larger than the byte cap is refused.
 */
public final class VectorCache {
    /** A cached collection. */
    public record Key(String backend, String collection) {
    }

    /** What a key points at: an entry's witness, the backend generation it stands for, and when that was checked. */
    private record Pointer(String witness, String generation, long checkedAtNanos) {
    }

    private static final class Entry {
        final QuantizedIndex index;
        /** The key that put it in the cache: charged for its eviction when no key points at it any more. */
        final Key owner;
        final long bytes;
        volatile long lastUsedNanos = System.nanoTime();

        Entry(QuantizedIndex index, Key owner) {
            this.index = index;
            this.owner = owner;
            this.bytes = index.memoryBytes();
        }
    }

    private final int maxEntries;
    private final long maxBytes;
    private final RabitqOptions buildOptions;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, Pointer> pointers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, CompletableFuture<QuantizedIndex>> priming = new ConcurrentHashMap<>();
    private long bytes; // guarded by this
    private final CacheStats.Counter global = new CacheStats.Counter();
    private final ConcurrentHashMap<String, CacheStats.Counter> byBackend = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, CacheStats.Counter> byCollection = new ConcurrentHashMap<>();

    /**
     * @param maxEntries   at most this many indexes (>= 1)
     * @param maxBytes     at most this many bytes of indexes ({@link QuantizedIndex#memoryBytes})
     * @param buildOptions options of the {@link IvfRabitqIndex} built from pulled vectors (seed, metric, ...)
     */
    public VectorCache(int maxEntries, long maxBytes, RabitqOptions buildOptions) {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new LakeException("cache caps must be >= 1 but were maxEntries=" + maxEntries + ", maxBytes=" + maxBytes);
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.buildOptions = buildOptions;
    }

    /** The cached index of {@code key} if {@code consistency} allows serving it without asking the backend, else null. */
    QuantizedIndex cachedWithoutCheck(Key key, Consistency consistency) {
        Pointer p = pointers.get(key);
        long now = System.nanoTime();
        Entry e = p == null ? null : entries.get(p.witness());
        if (e == null || !consistency.canSkipCheck(p.checkedAtNanos(), now)) {
            return null;
        }
        e.lastUsedNanos = now;
        count(key, c -> c.hits.increment());
        return e.index;
    }

    /**
     * The index answering {@code collection} of {@code backend} now: served if {@code consistency} lets the check be
     * skipped or the backend's generation is the cached one, else (a miss) primed from the backend.
     */
    public QuantizedIndex resolve(BackendAdapter backend, String collection, Consistency consistency) {
        Key key = new Key(backend.id(), collection);
        QuantizedIndex skip = cachedWithoutCheck(key, consistency);
        if (skip != null) {
            return skip;
        }
        String generation = backend.generation(collection);
        Pointer p = pointers.get(key);
        Entry e = p == null ? null : entries.get(p.witness());
        if (e != null && p.generation().equals(generation)) {
            long now = System.nanoTime();
            pointers.replace(key, p, new Pointer(p.witness(), generation, now));
            e.lastUsedNanos = now;
            count(key, c -> c.hits.increment());
            return e.index;
        }
        count(key, c -> c.misses.increment());
        for (int attempt = 0; ; attempt++) {
            try {
                return prime(backend, collection, key, generation);
            } catch (GenerationGoneException gone) {
                // a publisher's retention removed the generation we just read; load the one that replaced it
                String live = backend.generation(collection);
                if (live.equals(generation) || attempt >= 3) {
                    throw gone;
                }
                generation = live;
            }
        }
    }

    /** One prime per key at a time; concurrent misses wait for it and share its index. */
    private QuantizedIndex prime(BackendAdapter backend, String collection, Key key, String generation) {
        CompletableFuture<QuantizedIndex> mine = new CompletableFuture<>();
        CompletableFuture<QuantizedIndex> running = priming.putIfAbsent(key, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (CompletionException ex) {
                throw ex.getCause() instanceof RuntimeException r ? r : ex;
            }
        }
        try {
            QuantizedIndex index = load(backend, collection, key, generation);
            mine.complete(index);
            return index;
        } catch (RuntimeException ex) {
            mine.completeExceptionally(ex);
            throw ex;
        } finally {
            priming.remove(key, mine);
        }
    }

    private QuantizedIndex load(BackendAdapter backend, String collection, Key key, String generation) {
        long t0 = System.nanoTime();
        BackendAdapter.Prebuilt pre = backend.prebuilt(collection, generation).orElse(null);
        String witness = pre != null ? pre.witness() : witness(backend.dataRef(collection), generation);
        synchronized (this) {
            if (entries.containsKey(witness)) {
                install(key, witness, generation, true);
                return entries.get(witness).index;
            }
        }
        QuantizedIndex index = pre != null ? pre.index() : build(backend, collection, generation);
        synchronized (this) {
            Entry existing = entries.get(witness);
            if (existing != null) { // another key primed the same bytes meanwhile
                install(key, witness, generation, true);
                return existing.index;
            }
            insert(key, witness, index);
            long nanos = System.nanoTime() - t0;
            count(key, c -> c.primed(nanos));
            install(key, witness, generation, false);
            evictOverCaps(witness);
            return index;
        }
    }

    private QuantizedIndex build(BackendAdapter backend, String collection, String generation) {
        IvfRabitqIndex[] index = {null};
        backend.pull(collection, generation, batch -> {
            if (index[0] == null) {
                index[0] = new IvfRabitqIndex(batch.dim(), buildOptions);
            }
            if (batch.dim() != index[0].dim()) {
                throw new LakeException("collection '" + collection + "' of backend '" + backend.id() + "' mixes dimensions "
                        + index[0].dim() + " and " + batch.dim());
            }
            float[] v = batch.vectors();
            for (int i = 0; i < batch.size(); i++) {
                index[0].add(batch.ids()[i], java.util.Arrays.copyOfRange(v, i * batch.dim(), (i + 1) * batch.dim()));
            }
        });
        if (index[0] == null || index[0].size() == 0) {
            throw new LakeException.UnknownCollection(backend.id(), collection, "it holds no vectors to search");
        }
        index[0].build();
        return index[0];
    }

    /** Installs an index loaded from elsewhere (a saved cache directory, a bundle partition) under {@code key}. */
    public synchronized void installPrebuilt(Key key, String witness, String generation, QuantizedIndex index) {
        if (!entries.containsKey(witness)) {
            insert(key, witness, index);
        }
        install(key, witness, generation, false);
        evictOverCaps(witness);
    }

    /** Drops {@code key}'s pointer (and its entry if no other key points at it); false if there was none. */
    synchronized boolean invalidate(Key key) {
        Pointer old = pointers.remove(key);
        if (old == null) {
            return false;
        }
        count(key, c -> c.invalidations.increment());
        freeIfUnreferenced(old.witness());
        return true;
    }

    private void insert(Key owner, String witness, QuantizedIndex index) {
        Entry e = new Entry(index, owner);
        if (e.bytes > maxBytes) {
            throw new LakeException("an index of " + e.bytes + " bytes exceeds the cache's byte cap of " + maxBytes
                    + "; raise maxBytes");
        }
        entries.put(witness, e);
        bytes += e.bytes;
    }

    private void install(Key key, String witness, String generation, boolean shared) {
        Pointer old = pointers.put(key, new Pointer(witness, generation, System.nanoTime()));
        if (old != null && !old.witness().equals(witness) && freeIfUnreferenced(old.witness())) {
            count(key, c -> c.invalidations.increment());
        }
        if (shared) {
            count(key, c -> c.sharedHits.increment());
        }
    }

    private boolean freeIfUnreferenced(String witness) {
        if (pointers.values().stream().anyMatch(p -> p.witness().equals(witness))) {
            return false;
        }
        Entry e = entries.remove(witness);
        if (e != null) {
            bytes -= e.bytes;
        }
        return e != null;
    }

    private void evictOverCaps(String keep) {
        while (entries.size() > maxEntries || bytes > maxBytes) {
            String victim = null;
            boolean victimReferenced = true;
            long victimUsed = Long.MAX_VALUE;
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                if (e.getKey().equals(keep)) {
                    continue;
                }
                boolean referenced = refcount(e.getKey()) > 0;
                long used = e.getValue().lastUsedNanos;
                if ((victimReferenced && !referenced) || (referenced == victimReferenced && used < victimUsed)) {
                    victim = e.getKey();
                    victimReferenced = referenced;
                    victimUsed = used;
                }
            }
            if (victim == null) {
                return;
            }
            String w = victim;
            List<Key> holders = pointers.entrySet().stream().filter(p -> p.getValue().witness().equals(w))
                    .map(Map.Entry::getKey).toList();
            holders.forEach(pointers::remove);
            Entry gone = entries.remove(victim);
            bytes -= gone.bytes;
            global.evictions.increment();
            for (Key k : holders.isEmpty() ? List.of(gone.owner) : holders) {
                countPerKey(k, c -> c.evictions.increment());
            }
        }
    }

    /** The witness {@code key} points at, or null. */
    public String witnessOf(Key key) {
        Pointer p = pointers.get(key);
        return p == null ? null : p.witness();
    }

    /** The backend generation {@code key}'s entry stands for, or null. */
    public String generationOf(Key key) {
        Pointer p = pointers.get(key);
        return p == null ? null : p.generation();
    }

    /** The index {@code key} points at, or null (no check, no stats). */
    public QuantizedIndex indexOf(Key key) {
        Pointer p = pointers.get(key);
        Entry e = p == null ? null : entries.get(p.witness());
        return e == null ? null : e.index;
    }

    /** How many keys point at the entry with {@code witness}. */
    public int refcount(String witness) {
        return (int) pointers.values().stream().filter(p -> p.witness().equals(witness)).count();
    }

    public int entryCount() {
        return entries.size();
    }

    public synchronized long bytes() {
        return bytes;
    }

    public CacheStats stats() {
        return global.snapshot();
    }

    public Map<String, CacheStats> statsByBackend() {
        Map<String, CacheStats> out = new HashMap<>();
        byBackend.forEach((b, c) -> out.put(b, c.snapshot()));
        return out;
    }

    public Map<Key, CacheStats> statsByCollection() {
        Map<Key, CacheStats> out = new HashMap<>();
        byCollection.forEach((k, c) -> out.put(k, c.snapshot()));
        return out;
    }

    private void count(Key key, java.util.function.Consumer<CacheStats.Counter> event) {
        event.accept(global);
        countPerKey(key, event);
    }

    private void countPerKey(Key key, java.util.function.Consumer<CacheStats.Counter> event) {
        event.accept(byBackend.computeIfAbsent(key.backend(), b -> new CacheStats.Counter()));
        event.accept(byCollection.computeIfAbsent(key, k -> new CacheStats.Counter()));
    }

    /**
     * The witness of an index built from {@code dataRef} at {@code generation} with this cache's build options:
     * SHA-256 over the length-prefixed fields.
     */
    String witness(String dataRef, String generation) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            RabitqOptions o = buildOptions;
            String options = o.metric() + "," + o.seed() + "," + o.rotation() + "," + o.nlist() + "," + o.codeBits();
            for (String field : new String[] {"rabitq-lake-witness-v1", dataRef, generation, options}) {
                byte[] b = field.getBytes(StandardCharsets.UTF_8);
                md.update(java.nio.ByteBuffer.allocate(8).putLong(b.length).array());
                md.update(b);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
