package io.rabitq.core;

/**
 * One query's search state: its best candidates (or its rerank log) and the cluster being scanned. It is the
 * kernel's {@link CandidateSink} while that cluster is scanned.
 */
final class QueryState implements CandidateSink {
    private final IvfEngine engine;
    final float[] query;
    final float[] rotated;
    final RankMode mode;
    /** The best estimates or exact distances; null in BOUND_RERANK_LOG, which keeps a log instead. */
    private final TopK heap;
    /** BOUND_RERANK_LOG: the reranked candidates in scan order. */
    private final RerankLog.Builder log;
    private ClusterCodes cluster;
    private int clusterId;
    /** The position of the cluster being scanned in the query's scan order: a log entry's position is (rank, row). */
    private int rank;
    /** The prepared query of the cluster being scanned: its cluster term and error scale. */
    private QueryCode current;
    /** The rotated query for extended estimates, made when the first candidate needs it. */
    private ExtendedCode.Query extended;
    /** A raw row read from outside the heap, for the exact rerank (made on first use). */
    private float[] rawRow;
    private int reranked;
    /** The query's own code when the quantizer folds centroids (quantized once per query). */
    QueryCode code;

    QueryState(IvfEngine engine, float[] query, float[] rotated, RankMode mode, int k, int candidates) {
        this.engine = engine;
        this.query = query;
        this.rotated = rotated;
        this.mode = mode;
        boolean logging = mode == RankMode.BOUND_RERANK_LOG;
        this.heap = logging ? null : new TopK(Math.min(candidates, engine.size));
        this.log = logging ? new RerankLog.Builder(k, engine.size, 64) : null;
    }

    /**
     * Makes cluster {@code id}, at {@code rank} in the query's scan order and prepared as {@code code}, the one whose
     * rows the next offers refer to.
     */
    void enter(int id, int rank, QueryCode code) {
        cluster = engine.clusters[id];
        clusterId = id;
        this.rank = rank;
        current = code;
    }

    @Override
    public float threshold() {
        // the log skips only lower bounds above its limit; the kernel skips those not below the threshold
        return log != null ? Math.nextUp(log.limit()) : heap.threshold();
    }

    @Override
    public void offer(int row, float estimate, float lowerBound) {
        switch (mode) {
            case ESTIMATE:
                heap.offer(estimate, cluster.ids.get(row));
                break;
            case FIXED_RERANK:
                heap.offer(cluster.exPlanes != null ? extendedEstimate(row) : estimate, ((long) clusterId << 32) | row);
                break;
            case BOUND_RERANK:
                refine(row, estimate, lowerBound, heap.threshold());
                break;
            default:
                refine(row, estimate, lowerBound, threshold());
        }
    }

    /**
     * Ranks a candidate that passed the 1-bit bound: by its extended estimate when the cluster has no raw vectors;
     * else by exact distance, when the extended code's lower bound (if any) still beats {@code limit} too.
     */
    private void refine(int row, float estimate, float lowerBound, float limit) {
        reranked++;
        float distance;
        float bound = lowerBound;
        if (cluster.raw == null) {
            distance = cluster.exPlanes != null ? extendedEstimate(row) : estimate;
        } else {
            if (cluster.exPlanes != null) {
                bound = Math.max(bound, Math.fma(cluster.fErrEx[row], -current.errorScale, extendedEstimate(row)));
                if (!(bound < limit)) {
                    return;
                }
            }
            distance = engine.exact(query, cluster, row, rawRow());
        }
        if (log != null) {
            log.add(((long) rank << 32) | row, bound, cluster.ids.get(row), distance);
        } else {
            heap.offer(distance, cluster.ids.get(row));
        }
    }

    private float[] rawRow() {
        if (rawRow == null) {
            rawRow = new float[engine.dim];
        }
        return rawRow;
    }

    private float extendedEstimate(int row) {
        if (extended == null) {
            extended = new ExtendedCode.Query(rotated, engine.kernel);
        }
        return ExtendedCode.estimate(cluster, row, extended, current.clusterTerm);
    }

    /**
     * The log of a logging state; for a state that led the scan, its k best at positions 0 .. k-1 with lower
     * bounds of minus infinity: a replay takes all of them, and before any other part's entry, which lies in a
     * probed cluster after this part's, so at rank 1 or later.
     */
    RerankLog toLog(int k) {
        engine.queriesAnswered.increment();
        if (log != null) {
            engine.reranks.add(log.size());
            return log.build(engine.toUser(1f));
        }
        engine.reranks.add(reranked);
        Neighbor[] best = heap.drainNeighbors();
        RerankLog.Builder lead = new RerankLog.Builder(k, best.length, best.length);
        for (int i = 0; i < best.length; i++) {
            lead.add(i, Float.NEGATIVE_INFINITY, best[i].id(), best[i].distance());
        }
        return lead.build(engine.toUser(1f));
    }

    /** The k results, distances in the user's metric. */
    Neighbor[] finish(int k) {
        engine.queriesAnswered.increment();
        if (mode == RankMode.FIXED_RERANK) {
            reranked += heap.size();
            float[] ignored = new float[heap.size()];
            long[] cand = heap.drainKeys(ignored);
            TopK exactTop = new TopK(Math.min(k, cand.length));
            for (long key : cand) {
                ClusterCodes c = engine.clusters[(int) (key >>> 32)];
                int row = (int) key;
                exactTop.offer(engine.exact(query, c, row, rawRow()), c.ids.get(row));
            }
            engine.reranks.add(reranked);
            return toUser(exactTop.drainNeighbors());
        }
        engine.reranks.add(reranked);
        return toUser(heap.drainNeighbors());
    }

    private Neighbor[] toUser(Neighbor[] in) {
        if (engine.metric != Metric.COSINE) {
            return in;
        }
        Neighbor[] out = new Neighbor[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = new Neighbor(in[i].id(), engine.toUser(in[i].distance()));
        }
        return out;
    }
}
