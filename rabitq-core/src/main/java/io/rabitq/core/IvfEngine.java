package io.rabitq.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/**
 * The built state shared by the quantized indexes: a {@link Codebook}, the per-cluster RaBitQ codes and the
 * kernel that scans them. It builds (through the codebook's pipeline), restores and snapshots itself, chooses
 * probes and computes exact distances; the scans live in {@link BatchScan} and {@link FloatQueryScan}, the
 * per-query ranking in {@link QueryState}. Immutable once built and safe for concurrent searches.
 */
final class IvfEngine {
    final Codebook codebook;
    final Metric metric;
    final int dim;
    final int nlist;
    final RabitqQuantizer quantizer;
    final ScanKernel kernel;
    final ClusterCodes[] clusters;
    final int size;
    /**
     * Probed clusters a query scans first, nearest first, before the rest in ascending id: the nearest clusters hold
     * most of a query's neighbours, so their candidates set a tight threshold early and far fewer of the later ones
     * pass the 1-bit bound into the costly refine (on WordNet at nprobe 64, 108 refines a query instead of 282).
     */
    static final int LEAD_PROBES = 4;
    /** Exact distances computed by searches so far, and queries answered: the rerank cost metric. */
    final LongAdder reranks = new LongAdder();
    final LongAdder queriesAnswered = new LongAdder();

    private IvfEngine(Codebook codebook, boolean foldCentroids, ScanKernel kernel, ClusterCodes[] clusters) {
        this.codebook = codebook;
        this.metric = codebook.metric();
        this.dim = codebook.dim();
        this.nlist = clusters.length;
        this.quantizer = codebook.quantizer(foldCentroids);
        this.kernel = kernel;
        this.clusters = clusters;
        this.size = Arrays.stream(clusters).mapToInt(c -> c.size).sum();
    }

    /**
     * Trains a codebook on {@code vectors} (row-major, prepared), assigns every row and encodes each cluster in
     * parallel: the single-process run of the codebook's pipeline.
     */
    static IvfEngine build(Metric metric, int dim, long[] ids, float[] vectors, int nlist, RotationKind kind, long seed,
                           int codeBits, int bits, boolean foldCentroids, boolean keepRaw, ScanKernel kernel) {
        Codebook book = Codebook.train(metric, dim, vectors, ids.length, nlist, kind, seed, codeBits, bits);
        return encodeAll(book, ids, vectors, foldCentroids, keepRaw, kernel);
    }

    /** Assigns every row (row-major, prepared) to its cluster of {@code book} and encodes each cluster, in parallel. */
    static IvfEngine encodeAll(Codebook book, long[] ids, float[] vectors, boolean foldCentroids, boolean keepRaw,
                               ScanKernel kernel) {
        ClusterCodes[] clusters = encodeClusters(book, ids, vectors, ids.length, foldCentroids, keepRaw, kernel.needsPackedCodes());
        return new IvfEngine(book, foldCentroids, kernel, clusters);
    }

    /**
     * Assigns the first {@code n} rows (row-major, prepared) to their clusters of {@code book} and encodes each cluster in
     * parallel; one entry per cluster, empty clusters included.
     */
    static ClusterCodes[] encodeClusters(Codebook book, long[] ids, float[] vectors, int n, boolean foldCentroids,
                                         boolean keepRaw, boolean pack) {
        int dim = book.dim();
        int k = book.nlist();
        int[] assign = new int[n];
        book.assignAll(vectors, n, assign);
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
        IntStream.range(0, k).parallel().forEach(c -> {
            int[] rows = members[c];
            long[] cid = new long[rows.length];
            float[] cvec = new float[rows.length * dim];
            for (int j = 0; j < rows.length; j++) {
                cid[j] = ids[rows[j]];
                System.arraycopy(vectors, rows[j] * dim, cvec, j * dim, dim);
            }
            clusters[c] = book.encode(c, cid, cvec, foldCentroids, keepRaw, pack);
        });
        return clusters;
    }

    /** An engine over clusters already encoded with {@code codebook}. */
    static IvfEngine of(Codebook codebook, boolean foldCentroids, ScanKernel kernel, ClusterCodes[] clusters) {
        return new IvfEngine(codebook, foldCentroids, kernel, clusters);
    }

    /**
     * Rebuilds an engine from a snapshot's arrays (no training, no re-quantization). The engine takes over the
     * snapshot's id, code and raw arrays; callers must not modify them afterwards.
     */
    static IvfEngine restore(IndexSnapshot s, ScanKernel kernel) {
        Codebook book = new Codebook(s.metric(), s.dim(), s.rotation(), s.seed(), s.codeBits(), s.bits(), s.centroids());
        ClusterCodes[] clusters = new ClusterCodes[s.nlist()];
        for (int c = 0; c < clusters.length; c++) {
            clusters[c] = ClusterCodes.of(s.codeBits(), s.bits(), s.clusters().get(c), kernel.needsPackedCodes());
        }
        return new IvfEngine(book, s.foldedCentroids(), kernel, clusters);
    }

    /** This engine with its clusters' raw vectors moved off the heap into one mapped temporary file; itself if it keeps none. */
    IvfEngine withRawOffHeap() {
        if (clusters.length == 0 || clusters[0].raw == null) {
            return this;
        }
        RawVectors[] rows = new RawVectors[nlist];
        Arrays.setAll(rows, c -> clusters[c].raw);
        RawVectors[] spilled = SpilledRawVectors.spill(rows, dim);
        ClusterCodes[] moved = new ClusterCodes[nlist];
        Arrays.setAll(moved, c -> clusters[c].withRaw(spilled[c]));
        return new IvfEngine(codebook, quantizer.foldsCentroids(), kernel, moved);
    }

    /** The engine's arrays (copies) for persistence. */
    IndexSnapshot snapshot(String variant, Map<String, String> params) {
        List<IndexSnapshot.Cluster> out = new ArrayList<>(nlist);
        for (ClusterCodes c : clusters) {
            out.add(c.toSnapshot(true));
        }
        return new IndexSnapshot(variant, dim, metric, codebook.rotation(), codebook.seed(), codebook.codeBits(),
                codebook.bits(), quantizer.foldsCentroids(), params, codebook.centroids(), out);
    }

    long memoryBytes() {
        long b = codebook.memoryBytes();
        for (ClusterCodes c : clusters) {
            b += c.memoryBytes();
        }
        return b;
    }

    /**
     * Validates, prepares and rotates {@code queries}; with {@code probes > 0} also chooses every query's probed
     * clusters (in the calling thread: a Spark task should not take other tasks' cores).
     */
    PreparedQueries prepare(float[][] queries, int probes) {
        int n = queries.length;
        float[][] vectors = new float[n][];
        float[][] rotated = new float[n][];
        for (int j = 0; j < n; j++) {
            vectors[j] = codebook.prepare("query " + j, queries[j]);
            rotated[j] = new float[quantizer.paddedDim()];
            quantizer.rotation().rotate(vectors[j], rotated[j]);
        }
        int[][] chosen = null;
        if (probes > 0) {
            int p = Math.min(probes, nlist);
            int[][] lists = new int[n][];
            for (int j = 0; j < n; j++) {
                lists[j] = nearestClusters(vectors[j], p);
            }
            chosen = lists;
        }
        return new PreparedQueries(vectors, rotated, chosen, codebook.identity());
    }

    /**
     * Fails unless {@code queries} were prepared with an equal codebook: then their rotation is this engine's and their
     * probe lists name its clusters.
     */
    void checkCompatible(PreparedQueries queries) {
        if (!queries.codebook.equals(codebook.identity())) {
            throw new InvalidParameterException("queries prepared for codebook " + queries.codebook + " cannot search an index of "
                    + codebook.identity() + "; prepare them with this index (or one of the same bundle)");
        }
        for (int j = 0; j < queries.size(); j++) {
            int[] probes = queries.probes(j);
            if (queries.vectors[j].length != dim || queries.rotated[j].length != quantizer.paddedDim()
                    || (probes != null && Arrays.stream(probes).anyMatch(c -> c < 0 || c >= nlist))) {
                throw new InvalidParameterException("prepared query " + j + " does not fit this index (dimension " + dim + ", "
                        + nlist + " clusters); prepare queries with an index of the same bundle");
            }
        }
    }

    /**
     * Exact distance of {@code q} to row {@code row} of cluster {@code c} under the internal metric; rows not on the heap
     * are read into {@code scratch} ({@code dim} floats) first.
     */
    float exact(float[] q, ClusterCodes c, int row, float[] scratch) {
        float[] v = scratch;
        int at = 0;
        if (c.raw instanceof HeapRawVectors h) {
            v = h.rows;
            at = row * dim;
        } else {
            c.raw.read(row, scratch, 0);
        }
        return metric == Metric.INNER_PRODUCT ? -kernel.dot(q, v, at) : kernel.squaredL2(q, v, at);
    }

    /** Converts an internal distance to the user's metric (cosine: 1 - cos = ||a - b||^2 / 2 on unit vectors). */
    float toUser(float d) {
        return metric == Metric.COSINE ? d * 0.5f : d;
    }

    /**
     * Searches prepared queries; probes come with the queries or are the {@code nprobe} nearest clusters.
     *
     * @param rerankFactor only for {@link RankMode#FIXED_RERANK}
     */
    Neighbor[][] search(PreparedQueries queries, int k, int nprobe, RankMode mode, int rerankFactor) {
        QueryState[] states = BatchScan.run(this, queries, k, nprobe, mode, candidates(k, mode, rerankFactor));
        Neighbor[][] out = new Neighbor[states.length][];
        for (int j = 0; j < states.length; j++) {
            out[j] = states[j].finish(k);
        }
        return out;
    }

    /**
     * {@link RankMode#BOUND_RERANK} search returning each query's {@link RerankLog}, for merging with other parts.
     * When this part holds the first of a query's probed clusters and every other probed cluster it holds comes
     * before all those it does not, the whole index scans this part's candidates first, from an empty heap: the part
     * then runs exactly that gate and its log is just the k best it found, since nothing after them depends on more.
     */
    RerankLog[] searchLogs(PreparedQueries queries, int k) {
        QueryState[] states = BatchScan.run(this, queries, k, Integer.MAX_VALUE, RankMode.BOUND_RERANK_LOG, k);
        RerankLog[] out = new RerankLog[states.length];
        for (int j = 0; j < states.length; j++) {
            out[j] = states[j].toLog(k);
        }
        return out;
    }

    /** As {@link #search} in {@link RankMode#ESTIMATE} or {@link RankMode#FIXED_RERANK} with float query residuals. */
    Neighbor[][] searchFloatQuery(PreparedQueries queries, int k, int nprobe, RankMode mode, int rerankFactor) {
        return FloatQueryScan.run(this, queries, k, nprobe, mode, candidates(k, mode, rerankFactor));
    }

    private static int candidates(int k, RankMode mode, int rerankFactor) {
        if (mode != RankMode.FIXED_RERANK) {
            return k;
        }
        long p = (long) k * Math.max(1, rerankFactor);
        return (int) Math.min(Integer.MAX_VALUE - 8, p);
    }

    /**
     * The {@code probes} clusters nearest to {@code q} in scan order: the {@link #LEAD_PROBES} nearest by ascending
     * (distance, id), then the others in ascending id.
     */
    int[] nearestClusters(float[] q, int probes) {
        probes = Math.min(probes, nlist);
        float[] distances = new float[nlist];
        codebook.table().distances(q, metric == Metric.INNER_PRODUCT, kernel, distances);
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
        Arrays.sort(out, Math.min(LEAD_PROBES, out.length), out.length);
        return out;
    }
}
