package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RowIdsTest {
    @Test
    void idsWithinA32BitSpanTakeFourBytesAndReadBackExactly() {
        long[][] compact = {
            {5, 3, 4, 1_000_000},
            {Long.MIN_VALUE / 2, Long.MIN_VALUE / 2 + 0xFFFF_FFFFL}, // the largest span held as offsets
            {Long.MAX_VALUE, Long.MAX_VALUE - 0xFFFF_FFFFL},
            {42},
            {},
        };
        for (long[] ids : compact) {
            RowIds r = RowIds.of(ids);
            assertArrayEquals(ids, r.toArray());
            assertEquals(4L * ids.length, r.memoryBytes());
        }
    }

    @Test
    void widerSpansKeepEightBytesAndReadBackExactly() {
        SplittableRandom rnd = new SplittableRandom(7);
        long[] hashes = new long[1_000];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = rnd.nextLong();
        }
        long[][] wide = {hashes, {0, 0x1_0000_0000L}, {Long.MIN_VALUE, Long.MAX_VALUE}, {-1, 0xFFFF_FFFFL}};
        for (long[] ids : wide) {
            RowIds r = RowIds.of(ids);
            assertArrayEquals(ids, r.toArray());
            assertEquals(8L * ids.length, r.memoryBytes());
            for (int i = 0; i < ids.length; i++) {
                assertEquals(ids[i], r.get(i));
            }
        }
    }
}
