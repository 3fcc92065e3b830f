package io.rabitq.core;

/** How a search turns scanned candidates into results. */
enum RankMode {
    /** Keep the k best estimates; distances are estimates (codes only). */
    ESTIMATE,
    /** Keep the k*rf best estimates, then rank them by exact distance (fixed rerank factor). */
    FIXED_RERANK,
    /** Exact distance for every vector whose lower bound beats the current k-th exact distance. */
    BOUND_RERANK,
    /** What a part of a split index reranks so that {@link RerankLog}s reproduce {@link #BOUND_RERANK}. */
    BOUND_RERANK_LOG
}
