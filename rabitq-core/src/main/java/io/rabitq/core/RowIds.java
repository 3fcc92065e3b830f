package io.rabitq.core;

/**
 * The ids of a cluster's rows, in row order. When the ids' span (largest minus least) fits in 32 bits, as for row
 * numbers and other dense ids, they are held as unsigned offsets from the least: 4 bytes a row instead of 8. Other
 * ids (hashes, say) are held as they are. Immutable.
 */
final class RowIds {
    private static final long OFFSET_LIMIT = 0xFFFF_FFFFL;

    private final long base;
    private final int[] offsets;
    private final long[] wide;

    private RowIds(long base, int[] offsets, long[] wide) {
        this.base = base;
        this.offsets = offsets;
        this.wide = wide;
    }

    /** The ids in {@code ids}, an array the caller hands over: kept as it is when the span is too wide for offsets. */
    static RowIds of(long[] ids) {
        if (ids.length == 0) {
            return new RowIds(0, new int[0], null);
        }
        long min = ids[0];
        long max = ids[0];
        for (long id : ids) {
            min = Math.min(min, id);
            max = Math.max(max, id);
        }
        if (Long.compareUnsigned(max - min, OFFSET_LIMIT) > 0) { // the difference is exact read as unsigned
            return new RowIds(0, null, ids);
        }
        int[] offsets = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            offsets[i] = (int) (ids[i] - min);
        }
        return new RowIds(min, offsets, null);
    }

    int size() {
        return wide != null ? wide.length : offsets.length;
    }

    long get(int row) {
        return wide != null ? wide[row] : base + Integer.toUnsignedLong(offsets[row]);
    }

    /** A new array of the ids. */
    long[] toArray() {
        long[] out = new long[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    long memoryBytes() {
        return wide != null ? 8L * wide.length : 4L * offsets.length;
    }
}
