package io.rabitq.core;

/** Open-addressing set of {@code long} ids, to detect duplicates without boxing. */
final class LongHashSet {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] table = new long[16];
    private boolean hasEmptyKey;
    private int size;

    LongHashSet() {
        java.util.Arrays.fill(table, EMPTY);
    }

    /** Adds {@code v}; returns false if it was already present. */
    boolean add(long v) {
        if (v == EMPTY) {
            if (hasEmptyKey) {
                return false;
            }
            hasEmptyKey = true;
            return true;
        }
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        int mask = table.length - 1;
        int i = mix(v) & mask;
        while (table[i] != EMPTY) {
            if (table[i] == v) {
                return false;
            }
            i = (i + 1) & mask;
        }
        table[i] = v;
        size++;
        return true;
    }

    private static int mix(long v) {
        long h = v * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        java.util.Arrays.fill(table, EMPTY);
        size = 0;
        for (long v : old) {
            if (v != EMPTY) {
                add(v);
            }
        }
    }
}
