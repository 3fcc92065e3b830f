package io.rabitq.core;

import java.util.Arrays;

/**
 * The batched scan of an {@link IvfEngine}. Every query visits its probed clusters in scan order (see
 * {@link IvfEngine#nearestClusters}): its {@link IvfEngine#LEAD_PROBES} nearest first, nearest first, then the rest in
 * ascending id. The batch runs in phases, one per lead rank and one for the rest; within a phase the (query, cluster)
 * visits are grouped by cluster, clusters ascending, and the kernel scores each cluster's code blocks against all of
 * its queries while they are in cache. Each query therefore sees its clusters in the same order whether it is searched
 * alone or in a batch, and gets identical results.
 */
final class BatchScan {
    private final IvfEngine engine;
    private final QueryState[] states;
    private final RabitqQuantizer quantizer;
    private final boolean withBound;
    /** The per-(query, cluster) codes (per-cluster mode), else each state's own code; and the kernel's sinks. */
    private final QueryCode[] codes;
    private final CandidateSink[] sinks;

    private BatchScan(IvfEngine engine, QueryState[] states, boolean withBound, int maxGroup) {
        this.engine = engine;
        this.states = states;
        this.quantizer = engine.quantizer;
        this.withBound = withBound;
        this.codes = new QueryCode[maxGroup];
        this.sinks = new CandidateSink[maxGroup];
        int pdim = quantizer.paddedDim();
        if (quantizer.foldsCentroids()) {
            for (QueryState s : states) {
                s.code = new QueryCode(pdim);
                quantizer.quantize(s.rotated, withBound, s.code, engine.kernel);
            }
        } else {
            for (int i = 0; i < maxGroup; i++) {
                codes[i] = new QueryCode(pdim);
            }
        }
    }

    /**
     * Scans {@code queries} and returns their states, ready to {@link QueryState#finish} or
     * {@link QueryState#toLog}.
     *
     * @param nprobe       clusters per query when the queries carry no probe lists
     * @param candidates   heap size per query ({@code k}, or {@code k * rf} for {@link RankMode#FIXED_RERANK})
     */
    static QueryState[] run(IvfEngine engine, PreparedQueries queries, int k, int nprobe, RankMode mode, int candidates) {
        int nq = queries.size();
        int probes = Math.max(1, Math.min(nprobe, engine.nlist));
        QueryState[] states = new QueryState[nq];
        int[][] probeLists = new int[nq][];
        int visits = 0;
        for (int j = 0; j < nq; j++) {
            float[] q = queries.vectors[j];
            int[] probe = queries.probes != null ? queries.probes[j] : engine.nearestClusters(q, probes);
            probeLists[j] = probe;
            visits += probe.length;
            RankMode m = mode == RankMode.BOUND_RERANK_LOG && engine.size >= k && leadsScan(engine, probe) ? RankMode.BOUND_RERANK : mode;
            states[j] = new QueryState(engine, q, queries.rotated[j], m, k, candidates);
        }
        // phase r < LEAD_PROBES holds every query's r-th probe, the last phase all later ones; a visit's key is its
        // cluster (high 32 bits) and its index into visitQuery/visitRank (low 32)
        int phases = IvfEngine.LEAD_PROBES + 1;
        long[][] keys = new long[phases][];
        int[] filled = new int[phases];
        for (int[] probe : probeLists) {
            for (int r = 0; r < probe.length; r++) {
                filled[Math.min(r, phases - 1)]++;
            }
        }
        Arrays.setAll(keys, p -> new long[filled[p]]);
        Arrays.fill(filled, 0);
        int[] visitQuery = new int[visits];
        int[] visitRank = new int[visits];
        int v = 0;
        for (int j = 0; j < nq; j++) {
            int[] probe = probeLists[j];
            for (int r = 0; r < probe.length; r++, v++) {
                int p = Math.min(r, phases - 1);
                keys[p][filled[p]++] = (long) probe[r] << 32 | v;
                visitQuery[v] = j;
                visitRank[v] = r;
            }
        }
        int maxGroup = 0;
        for (long[] phase : keys) {
            Arrays.sort(phase);
            for (int i = 0, g = 0; i < phase.length; i++) {
                g = i > 0 && phase[i] >>> 32 == phase[i - 1] >>> 32 ? g + 1 : 1;
                maxGroup = Math.max(maxGroup, g);
            }
        }
        // extended codes refine every candidate whose 1-bit lower bound beats the threshold, in every mode
        boolean withBound = mode != RankMode.ESTIMATE && (mode != RankMode.FIXED_RERANK || engine.codebook.bits() > 1);
        BatchScan scan = new BatchScan(engine, states, withBound, maxGroup);
        for (long[] phase : keys) {
            for (int i = 0, end; i < phase.length; i = end) {
                int c = (int) (phase[i] >>> 32);
                end = i + 1;
                while (end < phase.length && (int) (phase[end] >>> 32) == c) {
                    end++;
                }
                scan.scanCluster(c, phase, i, end, visitQuery, visitRank);
            }
        }
        return states;
    }

    /** Scores cluster {@code c} against the queries of the visits {@code phase[from, to)}. */
    private void scanCluster(int c, long[] phase, int from, int to, int[] visitQuery, int[] visitRank) {
        ClusterCodes cc = engine.clusters[c];
        if (cc.size == 0) {
            return;
        }
        float[] rotatedCentroid = engine.codebook.rotatedCentroid(c);
        int g = to - from;
        for (int i = 0; i < g; i++) {
            int visit = (int) phase[from + i];
            QueryState s = states[visitQuery[visit]];
            if (quantizer.foldsCentroids()) {
                codes[i] = s.code;
            }
            quantizer.prepare(s.rotated, rotatedCentroid, withBound, codes[i], engine.kernel);
            s.enter(c, visitRank[visit], codes[i]);
            sinks[i] = s;
        }
        engine.kernel.scan(cc, codes, sinks, g);
    }

    /**
     * True when the clusters of {@code probe} (in scan order) that have rows here come before every one that has none
     * here (and so may have rows in another part of a split index), and there is at least one.
     */
    private static boolean leadsScan(IvfEngine engine, int[] probe) {
        int held = 0;
        while (held < probe.length && engine.clusters[probe[held]].size > 0) {
            held++;
        }
        for (int i = held; i < probe.length; i++) {
            if (engine.clusters[probe[i]].size > 0) {
                return false;
            }
        }
        return held > 0;
    }
}
