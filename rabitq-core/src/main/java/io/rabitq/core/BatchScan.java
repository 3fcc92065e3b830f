package io.rabitq.core;

import java.util.Arrays;

/**
 * The batched scan of an {@link IvfEngine}: the (query, cluster) pairs of a batch are grouped by cluster; clusters
 * are visited in ascending id, each cluster's queries are prepared (residual, 5-bit quantization, kernel tables)
 * and the kernel scores every code block against all of them while it is in cache. Each query therefore sees its
 * clusters in the same order whether it is searched alone or in a batch, and gets identical results.
 */
final class BatchScan {
    private BatchScan() {
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
        int nlist = engine.nlist;
        int probes = Math.max(1, Math.min(nprobe, nlist));
        QueryState[] states = new QueryState[nq];
        int[] perCluster = new int[nlist];
        int[][] probeLists = new int[nq][];
        for (int j = 0; j < nq; j++) {
            float[] q = queries.vectors[j];
            int[] probe = queries.probes != null ? queries.probes[j] : engine.nearestClusters(q, probes);
            probeLists[j] = probe;
            for (int c : probe) {
                perCluster[c]++;
            }
            RankMode m = mode == RankMode.BOUND_RERANK_LOG && engine.size >= k && leadsScan(engine, probe) ? RankMode.BOUND_RERANK : mode;
            states[j] = new QueryState(engine, q, queries.rotated[j], m, k, candidates);
        }
        int[] start = new int[nlist + 1];
        for (int c = 0; c < nlist; c++) {
            start[c + 1] = start[c] + perCluster[c];
        }
        int[] byCluster = new int[start[nlist]];
        int[] pos = Arrays.copyOf(start, nlist);
        for (int j = 0; j < nq; j++) {
            for (int c : probeLists[j]) {
                byCluster[pos[c]++] = j;
            }
        }
        int maxGroup = 0;
        for (int c = 0; c < nlist; c++) {
            maxGroup = Math.max(maxGroup, perCluster[c]);
        }
        // extended codes refine every candidate whose 1-bit lower bound beats the threshold, in every mode
        boolean withBound = mode != RankMode.ESTIMATE && (mode != RankMode.FIXED_RERANK || engine.codebook.bits() > 1);
        RabitqQuantizer quantizer = engine.quantizer;
        ScanKernel kernel = engine.kernel;
        int pdim = quantizer.paddedDim();
        boolean folded = quantizer.foldsCentroids();
        QueryCode[] codes = new QueryCode[maxGroup];
        CandidateSink[] sinks = new CandidateSink[maxGroup];
        if (!folded) {
            for (int i = 0; i < maxGroup; i++) {
                codes[i] = new QueryCode(pdim);
            }
        } else {
            for (QueryState s : states) {
                s.code = new QueryCode(pdim);
                quantizer.quantize(s.rotated, withBound, s.code, kernel);
            }
        }
        for (int c = 0; c < nlist; c++) {
            int g = perCluster[c];
            ClusterCodes cc = engine.clusters[c];
            if (g == 0 || cc.size == 0) {
                continue;
            }
            float[] rotatedCentroid = engine.codebook.rotatedCentroid(c);
            for (int i = 0; i < g; i++) {
                QueryState s = states[byCluster[start[c] + i]];
                if (folded) {
                    codes[i] = s.code;
                }
                quantizer.prepare(s.rotated, rotatedCentroid, withBound, codes[i], kernel);
                s.enter(c, codes[i]);
                sinks[i] = s;
            }
            kernel.scan(cc, codes, sinks, g);
        }
        return states;
    }

    /**
     * True when the clusters of {@code probe} (ascending) that have rows here come before every one that has none
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
