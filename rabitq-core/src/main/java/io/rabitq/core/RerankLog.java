package io.rabitq.core;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The reranked candidates of one query in one part of an IVF index, from which the answer of the whole index
 * is reproduced exactly. The whole index visits candidates in scan order (probed clusters in the query's scan order,
 * rows ascending) and reranks a candidate when its lower bound is below the k-th exact distance found so far. A
 * part cannot know that running distance, so it reranks every candidate x except those for which k earlier
 * candidates y have {@code max(lb(y), d(y)) < lb(x)}: whether or not the whole index reranks those y, its
 * k-th distance at x is then below lb(x), so it skips x too. A part's log thus holds everything the whole index
 * reranks from that part; {@link #merge merged} logs keep that property, and {@link #neighbors} replays the
 * whole index's visit over them. Distances are in the user's metric.
 */
public final class RerankLog implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final RerankLog EMPTY = new RerankLog(new long[0], new float[0], new long[0], new float[0]);

    /** Scan position: the cluster's rank in the query's scan order in the high 32 bits, row within it in the low 32. */
    private final long[] positions;
    private final float[] lowerBounds;
    private final long[] ids;
    private final float[] distances;

    private RerankLog(long[] positions, float[] lowerBounds, long[] ids, float[] distances) {
        this.positions = positions;
        this.lowerBounds = lowerBounds;
        this.ids = ids;
        this.distances = distances;
    }

    /** The log of a query with no candidates. */
    public static RerankLog empty() {
        return EMPTY;
    }

    /** The log of the union of two disjoint parts of an index (same query, same k). */
    public static RerankLog merge(RerankLog a, RerankLog b, int k) {
        if (a.size() == 0) {
            return b;
        }
        if (b.size() == 0) {
            return a;
        }
        Builder out = new Builder(k, a.size() + b.size(), a.size() + b.size());
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            RerankLog src = j >= b.size() || (i < a.size() && a.positions[i] < b.positions[j]) ? a : b;
            int s = src == a ? i++ : j++;
            if (src.lowerBounds[s] <= out.limit()) {
                out.add(src.positions[s], src.lowerBounds[s], src.ids[s], src.distances[s]);
            }
        }
        return out.build(1f);
    }

    /** Collects the log of one part in ascending scan position, deciding which candidates it must rerank. */
    static final class Builder {
        private final TopK gate;
        private long[] positions;
        private float[] lowerBounds;
        private long[] ids;
        private float[] distances;
        private int n;

        /**
         * @param maxCandidates at most this many candidates will be added (bounds the gate's size)
         * @param capacity      initial room for candidates
         */
        Builder(int k, int maxCandidates, int capacity) {
            gate = new TopK(Math.min(k, Math.max(1, maxCandidates)));
            int c = Math.max(1, Math.min(capacity, maxCandidates));
            positions = new long[c];
            lowerBounds = new float[c];
            ids = new long[c];
            distances = new float[c];
        }

        /** Candidates with a lower bound above this need no rerank: see the class comment. */
        float limit() {
            return gate.threshold();
        }

        /** A reranked candidate, after all candidates of smaller positions. */
        void add(long position, float lowerBound, long id, float distance) {
            gate.offer(Math.max(lowerBound, distance), id);
            if (n == ids.length) {
                positions = Arrays.copyOf(positions, 2 * n);
                lowerBounds = Arrays.copyOf(lowerBounds, 2 * n);
                ids = Arrays.copyOf(ids, 2 * n);
                distances = Arrays.copyOf(distances, 2 * n);
            }
            positions[n] = position;
            lowerBounds[n] = lowerBound;
            ids[n] = id;
            distances[n] = distance;
            n++;
        }

        int size() {
            return n;
        }

        /** The log, with bounds and distances multiplied by {@code scale} (exact for 1 and 0.5, order-preserving). */
        RerankLog build(float scale) {
            if (n == 0) {
                return EMPTY;
            }
            float[] lb = Arrays.copyOf(lowerBounds, n);
            float[] d = Arrays.copyOf(distances, n);
            for (int i = 0; i < n; i++) {
                lb[i] *= scale;
                d[i] *= scale;
            }
            return new RerankLog(Arrays.copyOf(positions, n), lb, Arrays.copyOf(ids, n), d);
        }
    }

    /** Number of logged candidates. */
    public int size() {
        return ids.length;
    }

    /** The whole index's answer: its rerank visit replayed over the log, the k nearest ascending by (distance, id). */
    public Neighbor[] neighbors(int k) {
        return neighbors(new RerankLog[] {this}, k);
    }

    /**
     * The whole index's answer from the logs of its disjoint parts: {@link #neighbors} replayed over their union in
     * scan order. Equal to merging them and asking the merged log, without building it: a candidate the merge would
     * drop has a lower bound the replay's gate rejects anyway.
     */
    public static Neighbor[] neighbors(RerankLog[] parts, int k) {
        int total = 0;
        for (RerankLog p : parts) {
            total += p.size();
        }
        TopK top = new TopK(Math.max(1, Math.min(k, total)));
        int[] cursor = new int[parts.length];
        int[] heap = new int[parts.length]; // parts with entries left, min-heap by their next position
        int live = 0;
        for (int p = 0; p < parts.length; p++) {
            if (parts[p].size() > 0) {
                heap[live++] = p;
            }
        }
        for (int i = live / 2 - 1; i >= 0; i--) {
            siftDown(heap, live, i, parts, cursor);
        }
        while (live > 0) {
            int p = heap[0];
            RerankLog log = parts[p];
            int i = cursor[p]++;
            if (log.lowerBounds[i] < top.threshold()) {
                top.offer(log.distances[i], log.ids[i]);
            }
            if (cursor[p] == log.size()) {
                heap[0] = heap[--live];
            }
            siftDown(heap, live, 0, parts, cursor);
        }
        return top.drainNeighbors();
    }

    private static void siftDown(int[] heap, int live, int i, RerankLog[] parts, int[] cursor) {
        while (true) {
            int smallest = i;
            for (int c = 2 * i + 1; c <= 2 * i + 2 && c < live; c++) {
                if (parts[heap[c]].positions[cursor[heap[c]]] < parts[heap[smallest]].positions[cursor[heap[smallest]]]) {
                    smallest = c;
                }
            }
            if (smallest == i) {
                return;
            }
            int t = heap[i];
            heap[i] = heap[smallest];
            heap[smallest] = t;
            i = smallest;
        }
    }

    @Override
    public String toString() {
        return "RerankLog{ids=" + Arrays.toString(ids) + ", distances=" + Arrays.toString(distances) + "}";
    }
}
