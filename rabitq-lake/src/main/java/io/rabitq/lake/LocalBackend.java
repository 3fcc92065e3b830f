package io.rabitq.lake;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * In-memory collections: the reference backend for tests, demos and data that lives in the serving process.
 * Every change bumps the collection's generation. Generations carry a random tag of this backend instance, so
 * another process's (or instance's) "same" collection never passes for this one's.
 */
public final class LocalBackend implements BackendAdapter {
    private record Collection(int dim, long[] ids, float[] vectors, long generation) {
    }

    private final String id;
    private final String instance = Long.toHexString(new java.security.SecureRandom().nextLong());
    private final ConcurrentHashMap<String, Collection> collections = new ConcurrentHashMap<>();

    public LocalBackend(String id) {
        this.id = id;
    }

    /** Creates or replaces {@code name} with {@code vectors[i]} under {@code ids[i]}. */
    public void put(String name, long[] ids, float[][] vectors) {
        if (ids.length != vectors.length) {
            throw new LakeException(ids.length + " ids for " + vectors.length + " vectors in collection '" + name + "'");
        }
        int dim = vectors.length == 0 ? 0 : vectors[0].length;
        float[] flat = new float[vectors.length * dim];
        for (int i = 0; i < vectors.length; i++) {
            checkDim(name, dim, vectors[i]);
            System.arraycopy(vectors[i], 0, flat, i * dim, dim);
        }
        collections.compute(name, (n, old) -> new Collection(dim, ids.clone(), flat, old == null ? 1 : old.generation + 1));
    }

    /** Appends one vector to an existing collection. */
    public void append(String name, long vectorId, float[] vector) {
        collections.compute(name, (n, old) -> {
            if (old == null) {
                throw new LakeException.UnknownCollection(id, name, "append needs an existing collection; put it first");
            }
            int dim = old.dim == 0 ? vector.length : old.dim;
            checkDim(name, dim, vector);
            long[] ids = Arrays.copyOf(old.ids, old.ids.length + 1);
            ids[old.ids.length] = vectorId;
            float[] v = Arrays.copyOf(old.vectors, old.vectors.length + dim);
            System.arraycopy(vector, 0, v, old.vectors.length, dim);
            return new Collection(dim, ids, v, old.generation + 1);
        });
    }

    private static void checkDim(String name, int dim, float[] v) {
        if (v.length != dim) {
            throw new io.rabitq.core.DimensionMismatchException("a vector of collection '" + name + "'", dim, v.length);
        }
    }

    private Collection get(String name) {
        Collection c = collections.get(name);
        if (c == null) {
            throw new LakeException.UnknownCollection(id, name, "no such collection in this local backend");
        }
        return c;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public List<String> listCollections() {
        return new ArrayList<>(collections.keySet());
    }

    @Override
    public String generation(String collection) {
        return instance + "-" + get(collection).generation;
    }

    @Override
    public void pull(String collection, String generation, Consumer<VectorBatch> sink) {
        Collection c = get(collection);
        if (c.ids.length > 0) {
            sink.accept(new VectorBatch(c.ids, c.vectors, c.dim));
        }
    }

    @Override
    public String dataRef(String collection) {
        return "local://" + id + "/" + collection;
    }
}
