package io.rabitq.core;

import java.util.Arrays;

/**
 * The vectors added to an index: unique ids and a growable row-major float array. Validates dimension,
 * finiteness and (for cosine) non-zero norm, and stores cosine vectors normalized.
 */
final class VectorStore {
    private final int dim;
    private final Metric metric;
    /** Rows a single store can hold: its row-major array is one Java array. */
    private final int maxRows;
    private LongHashSet seen;
    private long[] ids;
    private float[] data;
    private int size;

    VectorStore(int dim, Metric metric) {
        if (dim <= 0) {
            throw new InvalidParameterException("dimension must be >= 1 but was " + dim);
        }
        this.dim = dim;
        this.metric = metric;
        this.maxRows = (Integer.MAX_VALUE - 16) / dim;
        clear();
    }

    /** Forgets every vector and releases the arrays. */
    void clear() {
        seen = new LongHashSet();
        ids = new long[64];
        data = new float[64 * dim];
        size = 0;
    }

    void add(long id, float[] vector) {
        float[] v = prepare("vector (id " + id + ")", vector);
        if (!seen.add(id)) {
            throw new DuplicateIdException(id);
        }
        if (size == ids.length) {
            grow();
        }
        ids[size] = id;
        System.arraycopy(v, 0, data, size * dim, dim);
        size++;
    }

    /** Makes room for {@code rows} vectors in all, so adding that many copies the array no more. */
    void reserve(int rows) {
        if (rows > ids.length) {
            resize(Math.min(rows, maxRows));
        }
    }

    /** Grows by half (not double) so that building a large index, which copies the rows once, fits in less heap. */
    private void grow() {
        if (size == maxRows) {
            throw new InvalidParameterException("one index holds at most " + maxRows + " vectors of dimension " + dim
                    + " (one Java array); split the data into partitions, as Spark bundles do");
        }
        resize((int) Math.min(maxRows, size + Math.max(64L, size / 2L)));
    }

    private void resize(int rows) {
        ids = Arrays.copyOf(ids, rows);
        data = Arrays.copyOf(data, rows * dim);
    }

    /** Validates a vector or query and returns it in the index's internal form (normalized for cosine). */
    float[] prepare(String what, float[] v) {
        return Vectors.prepare(metric, what, v, dim);
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

}
