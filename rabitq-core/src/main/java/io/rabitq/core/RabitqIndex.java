package io.rabitq.core;

/**
 * Codes-only RaBitQ index: 1-bit codes plus four float factors per vector, no raw vectors. Every search scans
 * all codes with the paper's unbiased estimator (5-bit query) and returns the k best <b>estimated</b>
 * distances. Vectors are normalized by the nearest of many k-means centroids (default n/250, at most 1024),
 * which keeps residuals short and the estimate tight; the query is quantized once and each cluster only
 * changes two scalars, so many centroids cost little.
 */
public final class RabitqIndex extends QuantizedIndex {

    public RabitqIndex(int dim, long seed) {
        this(dim, RabitqOptions.defaults().withSeed(seed));
    }

    public RabitqIndex(int dim, RabitqOptions options) {
        super(dim, options);
    }

    static int exhaustiveNlist(int n) {
        return Math.max(1, Math.min(1024, n / 250));
    }

    @Override
    int defaultNlist(int n) {
        return exhaustiveNlist(n);
    }

    @Override
    boolean keepsRawVectors() {
        return false;
    }

    @Override
    Neighbor[][] search(IvfEngine engine, PreparedQueries queries, int k) {
        // with extended codes, candidates the 1-bit bound cannot exclude are ranked by the extended estimate
        return engine.search(queries, k, Integer.MAX_VALUE, bits() > 1 ? RankMode.BOUND_RERANK : RankMode.ESTIMATE, 1);
    }

    @Override
    String variant() {
        return "rabitq";
    }
}
