package io.rabitq.datasets;

/**
 * Base vectors and queries held in memory, row-major.
 *
 * @param name    a short label for reports
 * @param dim     vector dimension
 * @param base    base vectors, {@code base.length / dim} rows
 * @param queries query vectors, {@code queries.length / dim} rows
 */
public record Dataset(String name, int dim, float[] base, float[] queries) {

    public Dataset {
        if (dim <= 0 || base.length % dim != 0 || queries.length % dim != 0) {
            throw new IllegalArgumentException("arrays are not whole rows of dimension " + dim);
        }
    }

    public int size() {
        return base.length / dim;
    }

    public int queryCount() {
        return queries.length / dim;
    }

    /** Copy of base row {@code i}. */
    public float[] baseRow(int i) {
        return java.util.Arrays.copyOfRange(base, i * dim, (i + 1) * dim);
    }

    /** Copy of query row {@code i}. */
    public float[] queryRow(int i) {
        return java.util.Arrays.copyOfRange(queries, i * dim, (i + 1) * dim);
    }

    /** All base rows as separate arrays. */
    public float[][] baseRows() {
        float[][] out = new float[size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = baseRow(i);
        }
        return out;
    }

    /** All queries as separate arrays. */
    public float[][] queryRows() {
        float[][] out = new float[queryCount()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = queryRow(i);
        }
        return out;
    }
}
