package io.rabitq.core;

import java.util.List;

/**
 * The raw vectors of some rows, in row order, for the exact rerank: held on the heap (an index built in this process)
 * or read from memory-mapped files (an index loaded from a bundle, whose raw vectors never come onto the heap).
 * Immutable and safe for concurrent reads.
 */
public interface RawVectors {
    /** Floats per row. */
    int dim();

    /** Number of rows. */
    int size();

    /** Copies row {@code row} (0 &lt;= row &lt; size) into {@code dst[offset, offset + dim)}. */
    void read(int row, float[] dst, int offset);

    /** Heap bytes these rows hold (mapped rows: only their bookkeeping). */
    long heapBytes();

    /** Rows {@code [from, from + count)} of these. */
    default RawVectors slice(int from, int count) {
        if (from < 0 || count < 0 || from + count > size()) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + count) + ") of " + size());
        }
        if (from == 0 && count == size()) {
            return this;
        }
        RawVectors whole = this;
        return new RawVectors() {
            public int dim() {
                return whole.dim();
            }

            public int size() {
                return count;
            }

            public void read(int row, float[] dst, int offset) {
                whole.read(from + row, dst, offset);
            }

            public long heapBytes() {
                return 16;
            }
        };
    }

    /** All rows, row-major, as one heap array (for export and retraining; not for searches). */
    default float[] toArray() {
        float[] out = new float[size() * dim()];
        for (int r = 0; r < size(); r++) {
            read(r, out, r * dim());
        }
        return out;
    }

    /** Rows held on the heap: {@code rows.length / dim} rows, row-major (taken over, not copied). */
    static RawVectors of(float[] rows, int dim) {
        return new HeapRawVectors(rows, dim);
    }

    /** The rows of {@code parts}, one after another (the parts are read, not copied). */
    static RawVectors concat(List<RawVectors> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return new ConcatRawVectors(parts);
    }
}
