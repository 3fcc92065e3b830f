package io.rabitq.core;

/**
 * RaBitQ with an unquantized (float) query against 1-bit codes, named for parity with the reference's
 * asymmetric index. It estimates with the paper's corrected estimator but skips query quantization, so it
 * is slower than {@link RabitqIndex} and serves as its accuracy reference. With {@code rerankFactor > 1}
 * raw vectors are kept and the {@code k * rerankFactor} best estimates are reranked exactly; with 1 the
 * distances returned are estimates.
 */
public final class RabitqAsymIndex extends QuantizedIndex {
    private final int rerankFactor;

    public RabitqAsymIndex(int dim, long seed, int rerankFactor) {
        this(dim, RabitqOptions.defaults().withSeed(seed), rerankFactor);
    }

    public RabitqAsymIndex(int dim, RabitqOptions options, int rerankFactor) {
        super(dim, options);
        if (rerankFactor < 1) {
            throw new InvalidParameterException("rerankFactor must be >= 1 but was " + rerankFactor);
        }
        this.rerankFactor = rerankFactor;
    }

    @Override
    int defaultNlist(int n) {
        return RabitqIndex.exhaustiveNlist(n);
    }

    @Override
    boolean keepsRawVectors() {
        return rerankFactor > 1;
    }

    @Override
    Neighbor[][] search(IvfEngine engine, PreparedQueries queries, int k) {
        RankMode mode = rerankFactor > 1 ? RankMode.FIXED_RERANK : RankMode.ESTIMATE;
        return engine.searchFloatQuery(queries, k, Integer.MAX_VALUE, mode, rerankFactor);
    }

    @Override
    String variant() {
        return "asym";
    }

    @Override
    java.util.Map<String, String> params() {
        return java.util.Map.of("rerank_factor", Integer.toString(rerankFactor));
    }
}
