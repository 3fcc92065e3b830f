package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKTest {

    @Test
    void keepsTheSmallestWithIdTieBreakLikeAFullSort() {
        Random r = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(300);
            int k = 1 + r.nextInt(40);
            float[] d = new float[n];
            Integer[] order = new Integer[n];
            TopK top = new TopK(k);
            for (int i = 0; i < n; i++) {
                d[i] = r.nextInt(50); // many ties
                order[i] = i;
                top.offer(d[i], 1000 - i);
            }
            Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> d[i]).thenComparingLong(i -> 1000 - i));
            Neighbor[] got = top.drainNeighbors();
            assertEquals(Math.min(k, n), got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(1000 - order[i], got[i].id(), "rank " + i);
                assertEquals(d[order[i]], got[i].distance());
            }
        }
    }

    @Test
    void thresholdIsInfiniteUntilFull() {
        TopK top = new TopK(2);
        assertEquals(Float.POSITIVE_INFINITY, top.threshold());
        top.offer(3, 1);
        assertEquals(Float.POSITIVE_INFINITY, top.threshold());
        top.offer(1, 2);
        assertEquals(3f, top.threshold());
        top.offer(2, 3);
        assertEquals(2f, top.threshold());
    }
}
