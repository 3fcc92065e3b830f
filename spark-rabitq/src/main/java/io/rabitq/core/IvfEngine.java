package io.rabitq.core;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The shared machinery of the quantized indexes: IVF centroids, per-cluster RaBitQ codes and the search
 * loop. Immutable once built and safe for concurrent searches.
 *
 * <p>Search of a query batch: every query is rotated once and picks its {@code nprobe} nearest centroids;
 * the (query, cluster) pairs are grouped by cluster; clusters are visited in ascending id, each cluster's
 * queries are prepared (residual, 5-bit quantization, kernel tables) and the kernel scores every code block
 * against all of them while it is in cache. Each query therefore sees its clusters in the same order whether
 * it is searched alone or in a batch, and gets identical results.
 */
final class IvfEngine {

    /** How candidates become results. */
    enum Mode {
        /** Keep the k best estimates; distances are estimates (codes only). */
        ESTIMATE,
        /** Keep the k*rf best estimates, then rank them by exact distance (fixed rerank factor). */
        FIXED_RERANK,
        /** Exact distance for every vector whose lower bound beats the current k-th exact distance. */
        BOUND_RERANK,
        /** What a part of a split index reranks so that {@link RerankLog}s reproduce {@link #BOUND_RERANK}. */
        BOUND_RERANK_LOG
    }

    final Metric metric;
    final int dim;
    final int nlist;
    final RabitqQuantizer quantizer;
    final ScanKernel kernel;
    /** Raw centroids, row-major, in the (cosine-normalized) input space. */
    final float[] centroids;
    final float[][] rotatedCentroids;
    /** The centroids laid out for choosing probes. */
    private final CentroidTable centroidTable;
    final ClusterCodes[] clusters;
    final int size;
    /** Exact distances computed by searches so far, and queries answered: the rerank cost metric. */
    final java.util.concurrent.atomic.LongAdder reranks = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder queriesAnswered = new java.util.concurrent.atomic.LongAdder();

    private IvfEngine(Metric metric, int dim, RabitqQuantizer quantizer, ScanKernel kernel, float[] centroids,
                      float[][] rotatedCentroids, ClusterCodes[] clusters, int size) {
        this.metric = metric;
        this.dim = dim;
        this.nlist = clusters.length;
        this.quantizer = quantizer;
        this.kernel = kernel;
        this.centroids = centroids;
        this.rotatedCentroids = rotatedCentroids;
        this.centroidTable = new CentroidTable(centroids, nlist, dim);
        this.clusters = clusters;
        this.size = size;
    }

    /**
     * Trains centroids, assigns and quantizes. {@code vectors} is row-major and already cosine-normalized
     * when the metric is cosine.
     */
    static IvfEngine build(Metric metric, int dim, long[] ids, float[] vectors, int nlist, RotationKind kind,
                           long seed, int codeBits, boolean foldCentroids, boolean keepRaw, ScanKernel kernel) {
        int n = ids.length;
        Rotation rotation = Rotation.create(kind, seed, dim, codeBits);
        RabitqQuantizer quantizer = new RabitqQuantizer(rotation, metric == Metric.INNER_PRODUCT, foldCentroids);
        int k = Math.max(1, Math.min(nlist, n));
        float[] centroids = KMeans.train(vectors, n, dim, k, seed, KMeans.DEFAULT_ITERATIONS, kernel);
        int[] assign = new int[n];
        KMeans.assign(vectors, n, dim, centroids, k, kernel, assign);
        int[] counts = new int[k];
        for (int c : assign) {
            counts[c]++;
        }
        int[][] members = new int[k][];
        for (int c = 0; c < k; c++) {
            members[c] = new int[counts[c]];
        }
        int[] fill = new int[k];
        for (int i = 0; i < n; i++) {
            members[assign[i]][fill[assign[i]]++] = i;
        }
        ClusterCodes[] clusters = new ClusterCodes[k];
        float[][] rotated = new float[k][quantizer.paddedDim()];
        IntStream.range(0, k).parallel().forEach(c -> {
            int[] rows = members[c];
            long[] cid = new long[rows.length];
            float[] cvec = new float[rows.length * dim];
            for (int j = 0; j < rows.length; j++) {
                cid[j] = ids[rows[j]];
                System.arraycopy(vectors, rows[j] * dim, cvec, j * dim, dim);
            }
            float[] centroid = Arrays.copyOfRange(centroids, c * dim, (c + 1) * dim);
            clusters[c] = quantizer.encode(centroid, cid, cvec, keepRaw, kernel.needsPackedCodes());
            rotation.rotate(centroid, rotated[c]);
        });
        return new IvfEngine(metric, dim, quantizer, kernel, centroids, rotated, clusters, n);
    }

    /**
     * Rebuilds an engine from a snapshot's arrays (no training, no re-quantization). The engine takes over the
     * snapshot's id, code and raw arrays; callers must not modify them afterwards.
     */
    static IvfEngine restore(IndexSnapshot s, ScanKernel kernel) {
        Rotation rotation = Rotation.create(s.rotation(), s.seed(), s.dim(), s.codeBits());
        RabitqQuantizer quantizer = new RabitqQuantizer(rotation, s.metric() == Metric.INNER_PRODUCT, s.foldedCentroids());
        int nlist = s.nlist();
        ClusterCodes[] clusters = new ClusterCodes[nlist];
        float[][] rotated = new float[nlist][rotation.paddedDim()];
        int size = 0;
        for (int c = 0; c < nlist; c++) {
            IndexSnapshot.Cluster sc = s.clusters().get(c);
            int n = sc.ids().length;
            int padded = ClusterCodes.paddedRows(n);
            float[][] f = new float[4][];
            for (int k = 0; k < 4; k++) {
                f[k] = java.util.Arrays.copyOf(sc.factors()[k], padded);
            }
            java.util.Arrays.fill(f[0], n, padded, Float.POSITIVE_INFINITY);
            clusters[c] = new ClusterCodes(rotation.paddedDim(), sc.ids(), sc.codes(), f[0], f[1], f[2], f[3], sc.raw(),
                    kernel.needsPackedCodes());
            rotation.rotate(java.util.Arrays.copyOfRange(s.centroids(), c * s.dim(), (c + 1) * s.dim()), rotated[c]);
            size += n;
        }
        return new IvfEngine(s.metric(), s.dim(), quantizer, kernel, s.centroids(), rotated, clusters, size);
    }

    /** The engine's arrays (copies) for persistence. */
    IndexSnapshot snapshot(String variant, java.util.Map<String, String> params, RotationKind kind, long seed) {
        java.util.List<IndexSnapshot.Cluster> out = new java.util.ArrayList<>(nlist);
        for (ClusterCodes c : clusters) {
            int n = c.size;
            out.add(new IndexSnapshot.Cluster(c.ids.clone(), c.codes.clone(), new float[][] {
                java.util.Arrays.copyOf(c.fAdd, n), java.util.Arrays.copyOf(c.fIp, n),
                java.util.Arrays.copyOf(c.fPpc, n), java.util.Arrays.copyOf(c.fErr, n)}, c.raw == null ? null : c.raw.clone()));
        }
        return new IndexSnapshot(variant, dim, metric, kind, seed, quantizer.paddedDim(), quantizer.foldsCentroids(), params,
                centroids.clone(), out);
    }

    long memoryBytes() {
        long b = 4L * centroids.length + 4L * nlist * quantizer.paddedDim() + quantizer.rotation().memoryBytes()
                + centroidTable.memoryBytes();
        for (ClusterCodes c : clusters) {
            b += c.memoryBytes();
        }
        return b;
    }

    /** Exact distance of {@code q} to row {@code row} of cluster {@code c} under the internal metric. */
    float exact(float[] q, ClusterCodes c, int row) {
        return metric == Metric.INNER_PRODUCT ? -kernel.dot(q, c.raw, row * dim) : kernel.squaredL2(q, c.raw, row * dim);
    }

    /** Converts an internal distance to the user's metric (cosine: 1 - cos = ||a - b||^2 / 2 on unit vectors). */
    float toUser(float d) {
        return metric == Metric.COSINE ? d * 0.5f : d;
    }

    /**
     * Searches a batch of queries (already validated and cosine-normalized).
     *
     * @param rerankFactor only for {@link Mode#FIXED_RERANK}
     */
    Neighbor[][] search(float[][] queries, int k, int nprobe, Mode mode, int rerankFactor) {
        return search(queries, k, nprobe, null, mode, rerankFactor);
    }

    /**
     * As {@link #search(float[][], int, int, Mode, int)}, with the probed clusters of every query given (ascending
     * cluster ids, as {@link #nearestClusters} returns them) instead of computed, when {@code probeLists} is not null.
     */
    Neighbor[][] search(float[][] queries, int k, int nprobe, int[][] givenProbes, Mode mode, int rerankFactor) {
        QueryState[] states = scan(queries, k, nprobe, givenProbes, mode, rerankFactor);
        Neighbor[][] out = new Neighbor[states.length][];
        for (int j = 0; j < states.length; j++) {
            out[j] = states[j].finish(k);
        }
        return out;
    }

    /**
     * {@link Mode#BOUND_RERANK} search returning each query's {@link RerankLog}, for merging with other parts. When
     * this part holds the first of a query's probed clusters and every other probed cluster it holds comes before
     * all those it does not, the whole index scans this part's candidates first, from an empty heap: the part then
     * runs exactly that gate and its log is just the k best it found, since nothing after them depends on more.
     */
    RerankLog[] searchLogs(float[][] queries, int k, int[][] givenProbes) {
        QueryState[] states = scan(queries, k, Integer.MAX_VALUE, givenProbes, Mode.BOUND_RERANK_LOG, 1);
        RerankLog[] out = new RerankLog[states.length];
        for (int j = 0; j < states.length; j++) {
            out[j] = states[j].toLog(k);
        }
        return out;
    }

    private QueryState[] scan(float[][] queries, int k, int nprobe, int[][] givenProbes, Mode mode, int rerankFactor) {
        int nq = queries.length;
        int probes = Math.max(1, Math.min(nprobe, nlist));
        int pdim = quantizer.paddedDim();
        QueryState[] states = new QueryState[nq];
        int[] perCluster = new int[nlist];
        int[][] probeLists = new int[nq][];
        for (int j = 0; j < nq; j++) {
            float[] q = queries[j];
            float[] rq = new float[pdim];
            quantizer.rotation().rotate(q, rq);
            int[] probe = givenProbes != null ? givenProbes[j] : nearestClusters(q, probes);
            probeLists[j] = probe;
            for (int c : probe) {
                perCluster[c]++;
            }
            Mode m = mode == Mode.BOUND_RERANK_LOG && size >= k && leadsScan(probe) ? Mode.BOUND_RERANK : mode;
            states[j] = new QueryState(q, rq, m, k, mode == Mode.FIXED_RERANK ? satMul(k, rerankFactor) : k);
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
        boolean withBound = mode == Mode.BOUND_RERANK || mode == Mode.BOUND_RERANK_LOG;
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
            if (g == 0 || clusters[c].size == 0) {
                continue;
            }
            ClusterCodes cc = clusters[c];
            for (int i = 0; i < g; i++) {
                QueryState s = states[byCluster[start[c] + i]];
                if (folded) {
                    codes[i] = s.code;
                }
                quantizer.prepare(s.rotated, rotatedCentroids[c], withBound, codes[i], kernel);
                s.cluster = cc;
                s.clusterId = c;
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
    private boolean leadsScan(int[] probe) {
        int held = 0;
        while (held < probe.length && clusters[probe[held]].size > 0) {
            held++;
        }
        for (int i = held; i < probe.length; i++) {
            if (clusters[probe[i]].size > 0) {
                return false;
            }
        }
        return held > 0;
    }

    /**
     * Like {@link #search} in {@link Mode#ESTIMATE} or {@link Mode#FIXED_RERANK}, but estimating with the float
     * (unquantized) query residual: slower, without query-quantization error.
     */
    Neighbor[][] searchFloatQuery(float[][] queries, int k, int nprobe, Mode mode, int rerankFactor) {
        int pdim = quantizer.paddedDim();
        int probes = Math.max(1, Math.min(nprobe, nlist));
        Neighbor[][] out = new Neighbor[queries.length][];
        float[] y = new float[pdim];
        boolean folded = quantizer.foldsCentroids();
        for (int j = 0; j < queries.length; j++) {
            float[] q = queries[j];
            float[] rq = new float[pdim];
            quantizer.rotation().rotate(q, rq);
            QueryState s = new QueryState(q, rq, mode, k, mode == Mode.FIXED_RERANK ? satMul(k, rerankFactor) : k);
            for (int c : nearestClusters(q, probes)) {
                ClusterCodes cc = clusters[c];
                float[] rc = rotatedCentroids[c];
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
                float term = metric == Metric.INNER_PRODUCT ? (float) -qc : (float) norm2;
                s.cluster = cc;
                s.clusterId = c;
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

    /** The {@code probes} clusters nearest to {@code q}, in ascending cluster id. */
    int[] nearestClusters(float[] q, int probes) {
        if (probes >= nlist) {
            int[] all = new int[nlist];
            Arrays.setAll(all, i -> i);
            return all;
        }
        float[] distances = new float[nlist];
        centroidTable.distances(q, metric == Metric.INNER_PRODUCT, kernel, distances);
        TopK top = new TopK(probes);
        for (int c = 0; c < nlist; c++) {
            top.offer(distances[c], c);
        }
        float[] ignored = new float[probes];
        long[] keys = top.drainKeys(ignored);
        int[] out = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = (int) keys[i];
        }
        Arrays.sort(out);
        return out;
    }

    private static int satMul(int a, int b) {
        long p = (long) a * Math.max(1, b);
        return (int) Math.min(Integer.MAX_VALUE - 8, p);
    }

    /** Per-query search state; also the kernel's sink for the cluster being scanned. */
    private final class QueryState implements CandidateSink {
        final float[] query;
        final float[] rotated;
        final Mode mode;
        /** The best estimates or exact distances; null in BOUND_RERANK_LOG, which keeps a log instead. */
        final TopK heap;
        ClusterCodes cluster;
        int clusterId;
        int reranked;
        /** The query's own code in folded mode (quantized once). */
        QueryCode code;
        /** BOUND_RERANK_LOG: the reranked candidates in scan order. */
        final RerankLog.Builder log;

        QueryState(float[] query, float[] rotated, Mode mode, int k, int candidates) {
            this.query = query;
            this.rotated = rotated;
            this.mode = mode;
            boolean logging = mode == Mode.BOUND_RERANK_LOG;
            this.heap = logging ? null : new TopK(Math.min(candidates, size));
            this.log = logging ? new RerankLog.Builder(k, size, 64) : null;
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
                    heap.offer(estimate, cluster.ids[row]);
                    break;
                case FIXED_RERANK:
                    heap.offer(estimate, ((long) clusterId << 32) | row);
                    break;
                case BOUND_RERANK:
                    reranked++;
                    heap.offer(exact(query, cluster, row), cluster.ids[row]);
                    break;
                default:
                    log.add(((long) clusterId << 32) | row, lowerBound, cluster.ids[row], exact(query, cluster, row));
            }
        }

        /**
         * The log of a logging state; for a state that led the scan, its k best at positions 0 .. k-1 with lower
         * bounds of minus infinity: a replay takes all of them, and before any other part's entry, which lies in a
         * probed cluster after this part's, so in cluster 1 or later.
         */
        RerankLog toLog(int k) {
            queriesAnswered.increment();
            if (log != null) {
                reranks.add(log.size());
                return log.build(toUser(1f));
            }
            reranks.add(reranked);
            Neighbor[] best = heap.drainNeighbors();
            RerankLog.Builder lead = new RerankLog.Builder(k, best.length, best.length);
            for (int i = 0; i < best.length; i++) {
                lead.add(i, Float.NEGATIVE_INFINITY, best[i].id(), best[i].distance());
            }
            return lead.build(toUser(1f));
        }

        Neighbor[] finish(int k) {
            queriesAnswered.increment();
            if (mode == Mode.FIXED_RERANK) {
                reranked += heap.size();
                float[] ignored = new float[heap.size()];
                long[] cand = heap.drainKeys(ignored);
                TopK exactTop = new TopK(Math.min(k, cand.length));
                for (long key : cand) {
                    ClusterCodes c = clusters[(int) (key >>> 32)];
                    int row = (int) key;
                    exactTop.offer(exact(query, c, row), c.ids[row]);
                }
                reranks.add(reranked);
                return convert(exactTop.drainNeighbors());
            }
            reranks.add(reranked);
            return convert(heap.drainNeighbors());
        }

        private Neighbor[] convert(Neighbor[] in) {
            if (metric != Metric.COSINE) {
                return in;
            }
            Neighbor[] out = new Neighbor[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = new Neighbor(in[i].id(), toUser(in[i].distance()));
            }
            return out;
        }
    }
}
