package io.rabitq.core;

/**
 * An approximate (or exact) nearest-neighbour index over {@code float} vectors with {@code long} ids.
 *
 * <p>Lifecycle: {@link #add} vectors (ids must be unique), then {@link #build()} — or just search, which builds
 * on first use. Adding after a build marks the index stale; the next search or build retrains it from all
 * vectors. Searches are safe from many threads once built.
 *
 * <p>Results are sorted by ascending distance under {@link #metric()}, ties by ascending id. A {@code k} larger
 * than the index returns every vector. Bad input raises a {@link RabitqException} subclass: wrong dimension,
 * NaN/infinite components, zero vectors under cosine, k &lt;= 0, duplicate ids, search on an empty index.
 */
public interface AnnIndex {

    /** Adds one vector; the array is copied. */
    void add(long id, float[] vector);

    /** Adds many vectors; all are validated before any is added. */
    default void addAll(long[] ids, float[][] vectors) {
        if (ids.length != vectors.length) {
            throw new InvalidParameterException("got " + ids.length + " ids but " + vectors.length + " vectors");
        }
        for (int i = 0; i < ids.length; i++) {
            Vectors.check("vector " + i + " (id " + ids[i] + ")", vectors[i], dim());
        }
        for (int i = 0; i < ids.length; i++) {
            add(ids[i], vectors[i]);
        }
    }

    /** Trains and quantizes whatever was added; a no-op when nothing changed. */
    void build();

    /** The {@code k} nearest neighbours of {@code query}. */
    default Neighbor[] search(float[] query, int k) {
        return searchBatch(new float[][] {query}, k)[0];
    }

    /** The {@code k} nearest neighbours of every query, in query order; equal to calling {@link #search} per query. */
    Neighbor[][] searchBatch(float[][] queries, int k);

    /** Number of vectors added. */
    int size();

    /** Vector dimension. */
    int dim();

    Metric metric();

    /** Approximate heap bytes held by the built index (codes, factors, raw vectors, centroids, rotation). */
    long memoryBytes();
}
