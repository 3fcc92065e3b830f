package io.rabitq.core;

/**
 * Receives the vectors of a scanned cluster whose lower bound beats the sink's current threshold. Scan
 * kernels call {@link #offer} in ascending row order and re-read {@link #threshold()} before every offer, so
 * every kernel produces the same sequence of calls.
 */
interface CandidateSink {

    /** Candidates with {@code lowerBound >= threshold()} are skipped; may only decrease during a scan. */
    float threshold();

    /**
     * A candidate at {@code row} of the cluster being scanned.
     *
     * @param estimate   the RaBitQ distance estimate
     * @param lowerBound the estimate minus the error bound (equal to the estimate when bounds are off)
     */
    void offer(int row, float estimate, float lowerBound);
}
