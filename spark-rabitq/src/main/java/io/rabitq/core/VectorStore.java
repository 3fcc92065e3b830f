package io.rabitq.core;

import java.util.Arrays;

/**
 * The vectors added to an index: unique ids and a growable row-major float array. Validates dimension,
 * finiteness and (for cosine) non-zero norm, and stores cosine vectors normalized.
 */
final class VectorStore {
    private final int dim;
    private final Metric metric;
    private final LongHashSet seen = new LongHashSet();
    private long[] ids = new long[64];
    private float[] data;
    private int size;

    VectorStore(int dim, Metric metric) {
        if (dim <= 0) {
            throw new InvalidParameterException("dimension must be >= 1 but was " + dim);
        }
        this.dim = dim;
        this.metric = metric;
        this.data = new float[64 * dim];
    }

    void add(long id, float[] vector) {
        float[] v = prepare("vector (id " + id + ")", vector);
        if (!seen.add(id)) {
            throw new DuplicateIdException(id);
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
            data = Arrays.copyOf(data, size * 2 * dim);
        }
        ids[size] = id;
        System.arraycopy(v, 0, data, size * dim, dim);
        size++;
    }

    /** Validates a vector or query and returns it in the index's internal form (normalized for cosine). */
    float[] prepare(String what, float[] v) {
        Vectors.check(what, v, dim);
        return metric == Metric.COSINE ? Vectors.normalized(what, v) : v;
    }

    int size() {
        return size;
    }

    /** The backing id array; entries beyond {@link #size()} are unused. */
    long[] idArray() {
        return ids;
    }

    /** Ids in insertion order (a copy). */
    long[] ids() {
        return Arrays.copyOf(ids, size);
    }

    /** The backing row-major array; rows beyond {@link #size()} are unused. */
    float[] data() {
        return data;
    }

    /** Row-major vectors (a copy of exactly {@code size * dim} floats). */
    float[] vectors() {
        return Arrays.copyOf(data, size * dim);
    }
}
