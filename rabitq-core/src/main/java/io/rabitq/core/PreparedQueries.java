package io.rabitq.core;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A batch of queries made ready once and searchable many times: validated, prepared (unit length under cosine),
 * rotated, and — when made by {@link IvfRabitqIndex#prepare(float[][], int)} — with the clusters each one probes
 * chosen from all centroids. A Spark driver makes it and broadcasts it; every part of a split index then searches
 * it without validating, rotating or choosing probes again.
 *
 * <p>Invariants: {@code vectors}, {@code rotated} and (when present) {@code probes} have one entry per query;
 * probe lists hold ascending cluster ids. Searchable only by an index of an equal codebook (checked).
 */
public final class PreparedQueries implements Serializable {
    private static final long serialVersionUID = 1L;

    final float[][] vectors;
    final float[][] rotated;
    /** Probed clusters per query (ascending), or null: the searching index chooses by its nprobe. */
    final int[][] probes;
    /** {@link Codebook#identity()} of the codebook that prepared them: a searching index must have an equal one. */
    final String codebook;

    PreparedQueries(float[][] vectors, float[][] rotated, int[][] probes, String codebook) {
        this.vectors = vectors;
        this.rotated = rotated;
        this.probes = probes;
        this.codebook = codebook;
    }

    /** Number of queries. */
    public int size() {
        return vectors.length;
    }

    /** Whether every query's probed clusters were chosen. */
    public boolean hasProbes() {
        return probes != null;
    }

    /** Queries {@code from} (inclusive) to {@code to} (exclusive), sharing this batch's arrays. */
    public PreparedQueries slice(int from, int to) {
        return new PreparedQueries(Arrays.copyOfRange(vectors, from, to), Arrays.copyOfRange(rotated, from, to),
                probes == null ? null : Arrays.copyOfRange(probes, from, to), codebook);
    }
}
