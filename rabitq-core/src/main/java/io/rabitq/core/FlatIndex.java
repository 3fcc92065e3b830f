package io.rabitq.core;

/**
 * Exact brute-force index over float vectors: the ground-truth baseline. Distances are exact; the scan uses
 * the selected kernel's {@code squaredL2}/{@code dot} (Vector API when available).
 */
public final class FlatIndex implements AnnIndex {
    private final int dim;
    private final Metric metric;
    private final ScanKernel kernel;
    private final VectorStore store;

    public FlatIndex(int dim) {
        this(dim, Metric.L2);
    }

    public FlatIndex(int dim, Metric metric) {
        this(dim, metric, Kernels.scan());
    }

    public FlatIndex(int dim, Metric metric, ScanKernel kernel) {
        this.dim = dim;
        this.metric = metric;
        this.kernel = kernel;
        this.store = new VectorStore(dim, metric);
    }

    @Override
    public synchronized void add(long id, float[] vector) {
        store.add(id, vector);
    }

    @Override
    public void build() {
    }

    @Override
    public Neighbor[][] searchBatch(float[][] queries, int k) {
        Vectors.checkK(k);
        int n;
        float[] data;
        long[] ids;
        synchronized (this) { // snapshot: rows below n are complete and never change
            n = store.size();
            data = store.data();
            ids = store.idArray();
        }
        if (n == 0) {
            throw new EmptyIndexException();
        }
        Neighbor[][] out = new Neighbor[queries.length][];
        TopK top = new TopK(Math.min(k, n));
        for (int j = 0; j < queries.length; j++) {
            float[] q = store.prepare("query " + j, queries[j]);
            top.reset(Math.min(k, n));
            for (int i = 0; i < n; i++) {
                float d = metric == Metric.INNER_PRODUCT ? -kernel.dot(q, data, i * dim) : kernel.squaredL2(q, data, i * dim);
                if (d <= top.threshold()) {
                    top.offer(d, ids[i]);
                }
            }
            Neighbor[] res = top.drainNeighbors();
            if (metric == Metric.COSINE) {
                for (int i = 0; i < res.length; i++) {
                    res[i] = new Neighbor(res[i].id(), res[i].distance() * 0.5f);
                }
            }
            out[j] = res;
        }
        return out;
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
        return metric;
    }

    @Override
    public synchronized long memoryBytes() {
        return (long) store.size() * (4L * dim + 8);
    }
}
