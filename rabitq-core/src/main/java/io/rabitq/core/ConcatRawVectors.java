package io.rabitq.core;

import java.util.Arrays;
import java.util.List;

/** Several {@link RawVectors} read as one, e.g. a cluster whose rows lie in several partition files. */
final class ConcatRawVectors implements RawVectors {
    private final RawVectors[] parts;
    /** First row of each part, and the total at the end. */
    private final int[] starts;
    private final int dim;

    ConcatRawVectors(List<RawVectors> parts) {
        if (parts.isEmpty()) {
            throw new InvalidParameterException("no parts to concatenate");
        }
        this.parts = parts.toArray(new RawVectors[0]);
        this.dim = this.parts[0].dim();
        this.starts = new int[this.parts.length + 1];
        for (int p = 0; p < this.parts.length; p++) {
            if (this.parts[p].dim() != dim) {
                throw new InvalidParameterException("parts of dimensions " + dim + " and " + this.parts[p].dim());
            }
            starts[p + 1] = starts[p] + this.parts[p].size();
        }
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int size() {
        return starts[parts.length];
    }

    @Override
    public void read(int row, float[] dst, int offset) {
        int p = Arrays.binarySearch(starts, 0, parts.length, row);
        if (p < 0) {
            p = -p - 2;
        } else {
            while (p + 1 < parts.length && starts[p + 1] == row) { // skip empty parts
                p++;
            }
        }
        parts[p].read(row - starts[p], dst, offset);
    }

    @Override
    public long heapBytes() {
        long b = 16 + 4L * starts.length;
        for (RawVectors p : parts) {
            b += p.heapBytes();
        }
        return b;
    }
}
