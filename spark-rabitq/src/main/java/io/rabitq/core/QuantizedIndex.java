package io.rabitq.core;

/**
 * Base of the RaBitQ indexes: collects vectors, builds an {@link IvfEngine} on demand, validates queries.
 * Subclasses choose the number of centroids, whether raw vectors are kept, and how candidates are ranked.
 */
public abstract class QuantizedIndex implements AnnIndex {
    protected final int dim;
    protected final RabitqOptions options;
    private final VectorStore store;
    private volatile IvfEngine engine;
    private boolean stale = true;

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

    /** Whether the query is quantized once per query (many clusters scanned) rather than per cluster. */
    boolean foldsCentroids() {
        return true;
    }

    /** Whether raw vectors are kept for exact rerank. */
    abstract boolean keepsRawVectors();

    /** Ranks a validated, prepared batch. */
    abstract Neighbor[][] search(IvfEngine engine, float[][] queries, int k);

    @Override
    public synchronized void add(long id, float[] vector) {
        store.add(id, vector);
        stale = true;
    }

    @Override
    public synchronized void build() {
        if (!stale) {
            return;
        }
        if (store.size() == 0) {
            throw new EmptyIndexException();
        }
        int n = store.size();
        int nlist = options.nlist() > 0 ? options.nlist() : defaultNlist(n);
        int codeBits = options.codeBits() > 0 ? options.codeBits() : defaultCodeBits(dim);
        engine = IvfEngine.build(options.metric(), dim, store.ids(), store.vectors(), nlist, options.rotation(),
                options.seed(), codeBits, foldsCentroids(), keepsRawVectors(), options.kernel());
        stale = false;
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
    public Neighbor[] search(float[] query, int k) {
        return searchBatch(new float[][] {query}, k)[0];
    }

    @Override
    public Neighbor[][] searchBatch(float[][] queries, int k) {
        Vectors.checkK(k);
        IvfEngine e = engine();
        return search(e, prepare(queries), k);
    }

    float[][] prepare(float[][] queries) {
        float[][] prepared = new float[queries.length][];
        for (int i = 0; i < queries.length; i++) {
            prepared[i] = store.prepare("query " + i, queries[i]);
        }
        return prepared;
    }

    @Override
    public synchronized int size() {
        return store.size();
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public Metric metric() {
        return options.metric();
    }

    /** Number of IVF clusters of the built index. */
    public int nlist() {
        return engine().nlist;
    }

    /** Name of the scan kernel this index uses. */
    public String kernelName() {
        return options.kernel().name();
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
