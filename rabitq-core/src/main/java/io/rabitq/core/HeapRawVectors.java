package io.rabitq.core;

/** Raw vectors in one heap array, row-major; the exact rerank reads the array in place. */
final class HeapRawVectors implements RawVectors {
    final float[] rows;
    private final int dim;

    HeapRawVectors(float[] rows, int dim) {
        if (dim < 1 || rows.length % dim != 0) {
            throw new InvalidParameterException(rows.length + " floats are not whole rows of dimension " + dim);
        }
        this.rows = rows;
        this.dim = dim;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int size() {
        return rows.length / dim;
    }

    @Override
    public void read(int row, float[] dst, int offset) {
        System.arraycopy(rows, row * dim, dst, offset, dim);
    }

    @Override
    public long heapBytes() {
        return 4L * rows.length + 16;
    }

    @Override
    public float[] toArray() {
        return rows.clone();
    }
}
