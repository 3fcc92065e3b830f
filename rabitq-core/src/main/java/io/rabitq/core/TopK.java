package io.rabitq.core;

import java.util.Arrays;

/**
 * Bounded max-heap keeping the {@code k} smallest (distance, key) pairs; ties on distance are broken by the
 * smaller key so results are deterministic. Primitive arrays, no boxing; reusable through {@link #reset}.
 */
public final class TopK {
    private final float[] dist;
    private final long[] key;
    private int capacity;
    private int size;

    public TopK(int maxCapacity) {
        dist = new float[Math.max(1, maxCapacity)];
        key = new long[Math.max(1, maxCapacity)];
        capacity = Math.max(1, maxCapacity);
    }

    /** Empties the heap and sets how many entries it keeps (at most the constructor's capacity). */
    public void reset(int k) {
        if (k > dist.length) {
            throw new IllegalArgumentException("k " + k + " exceeds heap capacity " + dist.length);
        }
        capacity = Math.max(1, k);
        size = 0;
    }

    public int size() {
        return size;
    }

    public boolean isFull() {
        return size == capacity;
    }

    /** The largest kept distance once full, else +infinity: anything not below it cannot enter. */
    public float threshold() {
        return size == capacity ? dist[0] : Float.POSITIVE_INFINITY;
    }

    private static boolean greater(float d1, long k1, float d2, long k2) {
        return d1 > d2 || (d1 == d2 && k1 > k2);
    }

    /** Offers a pair; returns true if it was kept. */
    public boolean offer(float d, long k) {
        if (size < capacity) {
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (!greater(d, k, dist[p], key[p])) {
                    break;
                }
                dist[i] = dist[p];
                key[i] = key[p];
                i = p;
            }
            dist[i] = d;
            key[i] = k;
            return true;
        }
        if (!greater(dist[0], key[0], d, k)) {
            return false;
        }
        siftDown(d, k);
        return true;
    }

    private void siftDown(float d, long k) {
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            int r = c + 1;
            if (r < size && greater(dist[r], key[r], dist[c], key[c])) {
                c = r;
            }
            if (!greater(dist[c], key[c], d, k)) {
                break;
            }
            dist[i] = dist[c];
            key[i] = key[c];
            i = c;
        }
        dist[i] = d;
        key[i] = k;
    }

    /** Keys in ascending (distance, key) order; the heap is left empty. */
    public long[] drainKeys(float[] distancesOut) {
        int n = size;
        long[] keys = new long[n];
        for (int i = n - 1; i >= 0; i--) {
            keys[i] = key[0];
            distancesOut[i] = dist[0];
            float lastD = dist[size - 1];
            long lastK = key[size - 1];
            size--;
            if (size > 0) {
                siftDown(lastD, lastK);
            }
        }
        return keys;
    }

    /** The kept pairs as neighbours in ascending order, interpreting keys as ids; the heap is left empty. */
    public Neighbor[] drainNeighbors() {
        float[] d = new float[size];
        long[] k = drainKeys(d);
        Neighbor[] out = new Neighbor[k.length];
        for (int i = 0; i < k.length; i++) {
            out[i] = new Neighbor(k[i], d[i]);
        }
        return out;
    }

    @Override
    public String toString() {
        return "TopK{size=" + size + ", capacity=" + capacity + ", dist=" + Arrays.toString(Arrays.copyOf(dist, size)) + "}";
    }
}
