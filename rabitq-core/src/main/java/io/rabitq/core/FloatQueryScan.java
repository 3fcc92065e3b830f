package io.rabitq.core;

/**
 * The asymmetric scan: estimates with the float (unquantized) rotated query residual instead of its 5-bit code —
 * slower, without query-quantization error. Ranks in {@link RankMode#ESTIMATE} or {@link RankMode#FIXED_RERANK}.
 */
final class FloatQueryScan {
    private FloatQueryScan() {
    }

    static Neighbor[][] run(IvfEngine engine, PreparedQueries queries, int k, int nprobe, RankMode mode, int candidates) {
        RabitqQuantizer quantizer = engine.quantizer;
        int pdim = quantizer.paddedDim();
        int probes = Math.max(1, Math.min(nprobe, engine.nlist));
        Neighbor[][] out = new Neighbor[queries.size()][];
        float[] y = new float[pdim];
        QueryCode code = new QueryCode(pdim); // carries the cluster term for the extended code
        boolean folded = quantizer.foldsCentroids();
        for (int j = 0; j < out.length; j++) {
            float[] q = queries.vectors[j];
            float[] rq = queries.rotated[j];
            QueryState s = new QueryState(engine, q, rq, mode, k, candidates);
            int[] probe = engine.nearestClusters(q, probes);
            for (int rank = 0; rank < probe.length; rank++) {
                int c = probe[rank];
                ClusterCodes cc = engine.clusters[c];
                float[] rc = engine.codebook.rotatedCentroid(c);
                double ySum = 0;
                double norm2 = 0;
                double qc = 0;
                for (int i = 0; i < pdim; i++) {
                    float residual = rq[i] - rc[i];
                    y[i] = folded ? rq[i] : residual; // folded codes carry the centroid term in fAdd
                    ySum += y[i];
                    norm2 += (double) residual * residual;
                    qc += (double) rq[i] * rc[i];
                }
                float term = engine.metric == Metric.INNER_PRODUCT ? (float) -qc : (float) norm2;
                code.clusterTerm = term;
                s.enter(c, rank, code);
                for (int r = 0; r < cc.size; r++) {
                    float est = RabitqQuantizer.estimateFloat(cc, r, y, (float) ySum, term);
                    if (est < s.threshold()) {
                        s.offer(r, est, est);
                    }
                }
            }
            out[j] = s.finish(k);
        }
        return out;
    }
}
