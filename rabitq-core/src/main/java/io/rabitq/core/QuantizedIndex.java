package io.rabitq.core;

/**
 * Base of the RaBitQ indexes: collects vectors, builds an {@link IvfEngine} on demand, validates queries.
 * Subclasses choose the number of centroids, whether raw vectors are kept, and how candidates are ranked.
 */
public abstract class QuantizedIndex implements AnnIndex {
    protected final int dim;
    protected final RabitqOptions options;
    private final VectorStore store;
    /** The JVM's kernel ({@link Kernels#scan()}); only this package's tests choose another. */
    private ScanKernel kernel = Kernels.scan();
    private volatile IvfEngine engine;
    private boolean stale = true;
    private boolean readOnly;
    /** The engine's clusters hold rows that are not in the store (restored from a snapshot, or released after a build). */
    private boolean restoredRows;
    /** After {@link #train}: encodes added rows as they arrive; null otherwise. */
    private StreamingBuild streaming;
    /** The prepared rows {@link #train} trained on, kept until the build measures the default nprobe. */
    private float[] trainingSample;

    QuantizedIndex(int dim, RabitqOptions options) {
        this.dim = dim;
        this.options = options;
        this.store = new VectorStore(dim, options.metric());
    }

    /** Centroids used for {@code n} vectors when {@link RabitqOptions#nlist()} is 0. */
    abstract int defaultNlist(int n);

    /** Code length used when {@link RabitqOptions#codeBits()} is 0: the dimension rounded up to 64. */
    int defaultCodeBits(int dim) {
        return Rotation.paddedDim(dim);
    }

    /** Bits per dimension used when {@link RabitqOptions#bits()} is 0. */
    int defaultBits() {
        return 1;
    }

    /** Whether the query is quantized once per query (many clusters scanned) rather than per cluster. */
    boolean foldsCentroids() {
        return true;
    }

    /** Whether raw vectors are kept for exact rerank. */
    abstract boolean keepsRawVectors();

    /**
     * Called after a build with rows to measure on: the engine's own rows ({@code ids}, {@code n} prepared {@code rows})
     * or, after a streamed build, the training sample ({@code ids} null).
     */
    void built(IvfEngine engine, long[] ids, float[] rows, int n) {
    }

    /** Ranks a prepared batch. */
    abstract Neighbor[][] search(IvfEngine engine, PreparedQueries queries, int k);

    /** Short variant name stored in snapshots: ivf, rabitq, plus or asym. */
    abstract String variant();

    /** Variant settings stored in snapshots. */
    java.util.Map<String, String> params() {
        return java.util.Map.of();
    }

    /** Builds if needed and returns copies of the index's arrays, for persistence. */
    public IndexSnapshot snapshot() {
        return engine().snapshot(variant(), params());
    }

    /** Scans with {@code k} instead of the JVM's kernel (kernel agreement tests); call before building. */
    synchronized QuantizedIndex usingKernel(ScanKernel k) {
        this.kernel = k;
        this.stale = true;
        return this;
    }

    /**
     * Restores an index from a snapshot; searches return what the original returned. With raw vectors the restored
     * index can take new vectors (a later build retrains over all of them); a codes-only index is read-only.
     */
    public static QuantizedIndex restore(IndexSnapshot s) {
        RabitqOptions o = new RabitqOptions(s.metric(), s.seed(), s.rotation(), s.nlist(), s.codeBits(), s.bits());
        java.util.Map<String, String> p = s.params();
        QuantizedIndex idx;
        switch (s.variant()) {
            case "ivf": idx = new IvfRabitqIndex(s.dim(), o).setNprobe(Integer.parseInt(p.getOrDefault("nprobe", "0")))
                    .withCalibration(Integer.parseInt(p.getOrDefault("calibrated_nprobe", "0")),
                            p.containsKey(IvfRabitqIndex.RECALL_CURVE_PARAM) ? RecallCurve.parse(p.get(IvfRabitqIndex.RECALL_CURVE_PARAM)) : null)
                    .storeRaw(s.hasRaw()).foldCentroids(s.foldedCentroids()); break;
            case "rabitq": idx = new RabitqIndex(s.dim(), o); break;
            case "plus": idx = new RabitqPlusIndex(s.dim(), o, Integer.parseInt(p.get("rerank_factor"))); break;
            case "asym": idx = new RabitqAsymIndex(s.dim(), o, Integer.parseInt(p.get("rerank_factor"))); break;
            default: throw new InvalidParameterException("unknown index variant '" + s.variant() + "' in snapshot");
        }
        if (idx.foldsCentroids() != s.foldedCentroids()) {
            throw new InvalidParameterException("snapshot of variant " + s.variant() + " has an inconsistent query mode");
        }
        idx.install(IvfEngine.restore(s, idx.kernel), s);
        return idx;
    }

    private synchronized void install(IvfEngine restored, IndexSnapshot s) {
        readOnly = !s.hasRaw();
        engine = restored;
        restoredRows = true;
        stale = false;
    }

    /** Before the first add to a restored index, copies its rows back into the store so a rebuild sees them. */
    private void reclaimRestoredRows() {
        if (restoredRows) {
            restoredRows = false;
            for (ClusterCodes c : engine.clusters) {
                for (int i = 0; i < c.size; i++) {
                    float[] v = new float[dim];
                    c.raw.read(i, v, 0);
                    store.add(c.ids.get(i), v);
                }
            }
        }
    }

    /**
     * Trains the codebook (centroids, rotation) on {@code sample} before any vector is added, so that vectors added
     * afterwards are assigned and encoded in chunks as they arrive and never held twice: a codes-only index of n vectors
     * then builds in about its codes' bytes of heap plus 64K rows. {@code expectedSize} sets the default nlist. A
     * streamed index is read-only once built (no raw rows to retrain from).
     */
    public synchronized void train(float[][] sample, long expectedSize) {
        if (engine != null || store.size() > 0 || streaming != null) {
            throw new InvalidParameterException("train must come before the first add (and only once)");
        }
        if (sample.length == 0) {
            throw new EmptyIndexException();
        }
        float[] rows = new float[sample.length * dim];
        for (int i = 0; i < sample.length; i++) {
            System.arraycopy(Vectors.prepare(options.metric(), "sample row " + i, sample[i], dim), 0, rows, i * dim, dim);
        }
        int n = (int) Math.min(Integer.MAX_VALUE, Math.max(expectedSize, sample.length));
        Codebook book = Codebook.train(options.metric(), dim, rows, sample.length, nlist(n), options.rotation(), options.seed(),
                codeBits(), bits());
        streaming = new StreamingBuild(book, foldsCentroids(), keepsRawVectors());
        trainingSample = rows;
    }

    @Override
    public synchronized void add(long id, float[] vector) {
        if (streaming != null) {
            streaming.add(id, vector);
            stale = true;
            return;
        }
        if (readOnly) {
            throw new InvalidParameterException("this index holds codes only (no raw vectors), so it cannot "
                    + "be retrained with new vectors; rebuild it from the source vectors");
        }
        reclaimRestoredRows();
        store.add(id, vector);
        stale = true;
    }

    /**
     * Makes room for {@code expectedVectors} vectors in all before adding them: a large index then needs about twice
     * its raw vector bytes of heap while building (the added rows plus the clusters' copy) instead of up to 2.5 times.
     */
    public synchronized void reserve(int expectedVectors) {
        store.reserve(expectedVectors);
    }

    @Override
    public synchronized void build() {
        if (!stale) {
            return;
        }
        if (streaming != null) {
            engine = streaming.finish(kernel).withRawOffHeap();
            built(engine, null, trainingSample, trainingSample.length / dim);
            streaming = null;
            trainingSample = null;
            stale = false;
            restoredRows = true;
            readOnly = true;
            return;
        }
        if (store.size() == 0) {
            throw new EmptyIndexException();
        }
        engine = IvfEngine.build(options.metric(), dim, store.ids(), store.data(), nlist(store.size()), options.rotation(),
                options.seed(), codeBits(), bits(), foldsCentroids(), keepsRawVectors(), kernel).withRawOffHeap();
        built(engine, store.ids(), store.data(), store.size());
        stale = false;
        // The clusters hold every row now (codes, and raw vectors if kept, in a mapped file): the store lets go of its copy. A later add
        // copies raw rows back in cluster order (reclaimRestoredRows), so a rebuild then trains on that order: same
        // data, possibly other centroids than one build of it all. Without raw vectors the index is read-only.
        store.clear();
        restoredRows = true;
        readOnly = !keepsRawVectors();
    }

    /** The built engine, building first if needed. */
    IvfEngine engine() {
        IvfEngine e = engine;
        if (e == null || stale) {
            synchronized (this) {
                build();
                e = engine;
            }
        }
        return e;
    }

    @Override
    public Neighbor[][] searchBatch(float[][] queries, int k) {
        Vectors.checkK(k);
        IvfEngine e = engine();
        return search(e, e.prepare(queries, 0), k);
    }

    /**
     * Validates, prepares and rotates {@code queries} once, for {@link #searchBatch(PreparedQueries, int)} here or in
     * any index restored from the same bundle (e.g. after a broadcast to the tasks that hold its partitions).
     */
    public PreparedQueries prepare(float[][] queries) {
        return engine().prepare(queries, 0);
    }

    /** Searches queries made by {@link #prepare} of this index or of an index with the same codebook. */
    public Neighbor[][] searchBatch(PreparedQueries queries, int k) {
        Vectors.checkK(k);
        IvfEngine e = engine();
        e.checkCompatible(queries);
        return search(e, queries, k);
    }

    @Override
    public synchronized int size() {
        if (streaming != null) {
            return (int) streaming.size();
        }
        return restoredRows ? engine.size : store.size();
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public Metric metric() {
        return options.metric();
    }

    /** Centroids for {@code n} vectors: the option's, or this index's default. */
    private int nlist(int n) {
        return options.nlist() > 0 ? options.nlist() : defaultNlist(n);
    }

    /** Code length: the option's, or this index's default. */
    private int codeBits() {
        return options.codeBits() > 0 ? options.codeBits() : defaultCodeBits(dim);
    }

    /** Bits per dimension of the codes: the option's, or this index's default. */
    public int bits() {
        return options.bits() > 0 ? options.bits() : defaultBits();
    }

    /** Whether the index keeps raw vectors (for exact rerank, and to take more vectors after a build). */
    public boolean hasRawVectors() {
        return keepsRawVectors();
    }

    /** Number of IVF clusters of the built index. */
    public int nlist() {
        return engine().nlist;
    }

    /** Name of the scan kernel this index uses. */
    public String kernelName() {
        return kernel.name();
    }

    /**
     * Queries answered and exact distances computed (reranked candidates) since the last build: the rerank
     * count per query is, besides nprobe, the main cost driver of a search.
     */
    public SearchStats searchStats() {
        IvfEngine e = engine;
        return e == null ? new SearchStats(0, 0) : new SearchStats(e.queriesAnswered.sum(), e.reranks.sum());
    }

    /** Cumulative search counters; subtract two snapshots to measure one run. */
    public record SearchStats(long queries, long reranked) {
        /** Reranked candidates per query between {@code before} and this snapshot. */
        public double rerankedPerQuerySince(SearchStats before) {
            long q = queries - before.queries;
            return q == 0 ? 0 : (double) (reranked - before.reranked) / q;
        }
    }

    @Override
    public long memoryBytes() {
        IvfEngine e = engine;
        return e == null ? 0 : e.memoryBytes();
    }
}
