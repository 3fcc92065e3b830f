package io.rabitq.core;

/**
 * IVF + RaBitQ, the index to use. Vectors are grouped by k-means (default nlist = 4 sqrt(n), at most n / 100, 1 below
 * 1,000 vectors) and encoded with {@link #bits()} bits per dimension; a query scans the 1-bit codes of its
 * {@code nprobe} nearest clusters (FastScan), and only a vector whose 1-bit estimate minus the RaBitQ error bound
 * (ε0 = 1.9) beats the current k-th distance is refined: by its extended code's estimate (the default: 7 bits, no raw
 * vectors held, returned distances are estimates) or, with {@link #storeRaw(boolean) raw vectors}, by its exact distance
 * when the extended bound still allows it (returned distances are exact). The default nprobe is measured at build time
 * to reach recall@10 0.96 on sample rows (0.95 with a margin). A part of a split index returns {@link RerankLog}s that merge into exactly the
 * whole index's answer ({@link #searchLogs}).
 */
public final class IvfRabitqIndex extends QuantizedIndex {
    /** Bits per dimension of a default index. */
    public static final int DEFAULT_BITS = 7;
    /** Whether a default index keeps raw vectors for the exact rerank. */
    public static final boolean DEFAULT_STORE_RAW = false;

    /** Snapshot and bundle param holding the {@link RecallCurve} ({@link RecallCurve#format}). */
    public static final String RECALL_CURVE_PARAM = "recall_curve";
    /**
     * The query mode of new IVF indexes and bundles: the query is quantized once (R q) and each vector's factors carry
     * its centroid's term, rather than once per probed cluster (R(q - c)). Recall is the same (the extended code's
     * refine never used the quantized query) and queries that probe many clusters skip a quantization per cluster:
     * 12-24% more queries/s on WordNet at nprobe 64-128, 14-31% on MNIST.
     */
    public static final boolean FOLDS_CENTROIDS = true;

    private volatile int nprobe;
    /** The nprobe measured at build to reach {@link NprobeCalibration#TARGET_RECALL}, or 0 before a build. */
    private volatile int calibratedNprobe;
    /** Recall@10 by nprobe measured at build, or null before a build (or restored from a bundle without one). */
    private volatile RecallCurve recallCurve;
    private volatile boolean storeRaw = DEFAULT_STORE_RAW;
    private volatile boolean foldCentroids = FOLDS_CENTROIDS;

    public IvfRabitqIndex(int dim) {
        this(dim, RabitqOptions.defaults());
    }

    public IvfRabitqIndex(int dim, RabitqOptions options) {
        super(dim, options);
    }

    /**
     * Default number of clusters for {@code n} vectors: 4 sqrt(n), but at most n / 100, because every probed cluster
     * costs a query preparation worth scanning about a hundred rows (below 160,000 vectors the cap applies: on MNIST,
     * 9,000 x 784, 95 clusters reach recall@10 0.95 at about twice the QPS of 379).
     */
    public static int defaultNlist(long n) {
        return n < 1000 ? 1 : (int) Math.round(Math.min(4 * Math.sqrt(n), n / 100.0));
    }

    /** Default clusters probed per query for {@code nlist} clusters. */
    public static int defaultNprobe(int nlist) {
        return Math.min(nlist, Math.max(8, (int) Math.ceil(nlist / 80.0)));
    }

    @Override
    int defaultNlist(int n) {
        return defaultNlist((long) n);
    }

    @Override
    boolean foldsCentroids() {
        return foldCentroids;
    }

    /**
     * Sets the query mode of the rows this index holds (before adding rows): a restored index takes its bundle's, which
     * is per-cluster for bundles written before the folded mode became the default.
     */
    synchronized IvfRabitqIndex foldCentroids(boolean fold) {
        this.foldCentroids = fold;
        return this;
    }

    @Override
    int defaultBits() {
        return DEFAULT_BITS;
    }

    @Override
    boolean keepsRawVectors() {
        return storeRaw;
    }

    /**
     * Whether to keep raw vectors for the exact rerank (default {@value #DEFAULT_STORE_RAW}; set before building). Kept raw vectors
     * are not on the heap: {@code build()} moves them to a memory-mapped temporary file (an index loaded from a bundle maps the
     * bundle's files), so {@link #memoryBytes()} stays about that of the codes. Without them the index ranks by the extended
     * code's estimate ({@code bits > 1}) or the 1-bit estimate, and is read-only once built.
     */
    public synchronized IvfRabitqIndex storeRaw(boolean keep) {
        this.storeRaw = keep;
        return this;
    }

    /** Sets the clusters probed per search (0 = default); larger is slower and more accurate. */
    public IvfRabitqIndex setNprobe(int nprobe) {
        Vectors.checkNprobeOrDefault(nprobe);
        this.nprobe = nprobe;
        return this;
    }

    /**
     * The nprobe used by {@link #search(float[], int)}: the set value, else the one measured at build time to reach
     * recall@10 {@value NprobeCalibration#TARGET_RECALL} on sample rows (restored indexes keep it), else the default
     * for the built nlist.
     */
    public int nprobe() {
        if (nprobe > 0) {
            return nprobe;
        }
        engine();
        return calibratedNprobe > 0 ? calibratedNprobe : defaultNprobe(nlist());
    }

    /**
     * The nprobe at which new queries reach recall@10 {@code recall}, read off the curve measured at build time on
     * sample rows ({@link RecallCurve#nprobeFor}).
     *
     * @param recall a recall in (0, 1]
     * @throws InvalidParameterException if the index records no curve (restored from a bundle written before recall
     *                                   targets existed): rebuild it, or search with an nprobe; or if no nprobe reached
     *                                   {@code recall} at build time
     */
    public int nprobeFor(double recall) {
        RecallCurve.checkTarget(recall);
        RecallCurve c = recallCurve;
        if (c == null) {
            throw new InvalidParameterException("this index records no recall curve (it was built before recall targets "
                    + "existed); re-index it, or search with an explicit nprobe");
        }
        return c.nprobeFor(recall, nlist());
    }

    /** The recall curve measured at build time, if any. */
    public java.util.Optional<RecallCurve> recallCurve() {
        return java.util.Optional.ofNullable(recallCurve);
    }

    @Override
    void built(IvfEngine engine, long[] ids, float[] rows, int n) {
        RecallCurve c = ids != null ? NprobeCalibration.curve(engine, ids, rows, options.seed())
                : engine.codebook.calibrate(rows, n, keepsRawVectors());
        calibratedNprobe = NprobeCalibration.defaultNprobe(c, engine.nlist);
        recallCurve = c;
    }

    /** Restores the measured default nprobe and recall curve recorded in a snapshot (0 and null: none). */
    IvfRabitqIndex withCalibration(int p, RecallCurve curve) {
        calibratedNprobe = p;
        recallCurve = curve;
        return this;
    }

    /** Searches with an explicit nprobe. */
    public Neighbor[][] searchBatch(float[][] queries, int k, int nprobe) {
        Vectors.checkK(k);
        Vectors.checkNprobe(nprobe);
        IvfEngine e = engine();
        return e.search(e.prepare(queries, 0), k, nprobe, RankMode.BOUND_RERANK, 1);
    }

    /**
     * Validates, prepares and rotates {@code queries} and chooses the {@code nprobe} clusters each one probes, once:
     * the result can be searched by this index or by any part of it that holds some of its clusters, each part with
     * its own error-bound gate ({@link #searchBatch(PreparedQueries, int)}, as in the Spark tasks of a sharded bundle)
     * or returning the parts' {@link #searchLogs rerank logs}.
     */
    public PreparedQueries prepare(float[][] queries, int nprobe) {
        Vectors.checkNprobe(nprobe);
        return engine().prepare(queries, nprobe);
    }

    /**
     * As {@link #searchBatch(PreparedQueries, int)} for queries with probe lists, returning each query's
     * {@link RerankLog}: the logs of the parts of a split index merge into exactly the answer of the whole index.
     */
    public RerankLog[] searchLogs(PreparedQueries queries, int k) {
        Vectors.checkK(k);
        if (!queries.hasProbes()) {
            throw new InvalidParameterException("searchLogs needs queries prepared with their probes (prepare(queries, nprobe))");
        }
        IvfEngine e = engine();
        e.checkCompatible(queries);
        return e.searchLogs(queries, k);
    }

    @Override
    Neighbor[][] search(IvfEngine engine, PreparedQueries queries, int k) {
        return engine.search(queries, k, nprobe(), RankMode.BOUND_RERANK, 1);
    }

    @Override
    String variant() {
        return "ivf";
    }

    @Override
    java.util.Map<String, String> params() {
        java.util.Map<String, String> p = new java.util.HashMap<>(java.util.Map.of("nprobe", Integer.toString(nprobe),
                "calibrated_nprobe", Integer.toString(calibratedNprobe)));
        if (recallCurve != null) {
            p.put(RECALL_CURVE_PARAM, recallCurve.format());
        }
        return p;
    }
}
