package io.rabitq.core;

/**
 * RaBitQ codes plus raw vectors with a fixed rerank factor, the reference system's production type: all codes
 * are scanned, the {@code k * rerankFactor} best estimates become candidates, and candidates are ranked by
 * exact distance. Returned distances are exact. Codes default to two bits per (padded) dimension, see
 * {@link #defaultCodeBits}.
 */
public final class RabitqPlusIndex extends QuantizedIndex {
    private final int rerankFactor;

    public RabitqPlusIndex(int dim, long seed, int rerankFactor) {
        this(dim, RabitqOptions.defaults().withSeed(seed), rerankFactor);
    }

    /** @param rerankFactor candidates per requested neighbour, &gt;= 1 */
    public RabitqPlusIndex(int dim, RabitqOptions options, int rerankFactor) {
        super(dim, options);
        if (rerankFactor < 1) {
            throw new InvalidParameterException("rerankFactor must be >= 1 but was " + rerankFactor);
        }
        this.rerankFactor = rerankFactor;
    }

    public int rerankFactor() {
        return rerankFactor;
    }

    @Override
    int defaultNlist(int n) {
        return RabitqIndex.exhaustiveNlist(n);
    }

    /**
     * Twice the usual code length: the index holds raw vectors anyway (32 bits per dimension), and a fixed
     * candidate budget needs the sqrt(2) smaller estimation error of 2-bit-per-dimension codes to keep the true
     * neighbours among the candidates.
     */
    @Override
    int defaultCodeBits(int dim) {
        return 2 * Rotation.paddedDim(dim);
    }

    @Override
    boolean keepsRawVectors() {
        return true;
    }

    @Override
    Neighbor[][] search(IvfEngine engine, PreparedQueries queries, int k) {
        return engine.search(queries, k, Integer.MAX_VALUE, RankMode.FIXED_RERANK, rerankFactor);
    }

    @Override
    String variant() {
        return "plus";
    }

    @Override
    java.util.Map<String, String> params() {
        return java.util.Map.of("rerank_factor", Integer.toString(rerankFactor));
    }
}
