package io.rabitq.lake;

/**
 * Vectors pulled from a backend: {@code ids[i]} owns {@code vectors[i * dim .. (i + 1) * dim)}.
 *
 * @param ids     the vectors' ids
 * @param vectors row-major components
 * @param dim     components per vector
 */
public record VectorBatch(long[] ids, float[] vectors, int dim) {
    public VectorBatch {
        if (dim < 1 || (long) ids.length * dim != vectors.length) {
            throw new LakeException("a batch of " + ids.length + " ids needs " + ((long) ids.length * dim)
                    + " components at dimension " + dim + " but has " + vectors.length);
        }
    }

    public int size() {
        return ids.length;
    }
}
