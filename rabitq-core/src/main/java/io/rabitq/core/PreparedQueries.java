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
 * probe lists hold distinct cluster ids in the order they are scanned (the nearest few first, then ascending).
 * Searchable only by an index of an equal codebook (checked).
 */
public final class PreparedQueries implements Serializable {
    private static final long serialVersionUID = 1L;

    final float[][] vectors;
    final float[][] rotated;
    /** Probed clusters per query in scan order, or null: the searching index chooses by its nprobe. */
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

    /** Query {@code j} as searched: checked, and of unit length under cosine. */
    public float[] vector(int j) {
        return vectors[j];
    }

    /** Query {@code j} rotated by the codebook's rotation (padded dimension). */
    public float[] rotated(int j) {
        return rotated[j];
    }

    /** The clusters query {@code j} probes, in the order they are scanned, or null when none were chosen. */
    public int[] probes(int j) {
        return probes == null ? null : probes[j];
    }

    /** {@link Codebook#identity()} of the codebook that prepared these queries. */
    public String codebook() {
        return codebook;
    }

    /**
     * Prepared queries put back together from the parts of others ({@link #vector}, {@link #rotated}, {@link #probes},
     * {@link #codebook}), e.g. after they travelled as columns of a Spark shuffle. The searching index checks the
     * codebook, the lengths and the cluster ids.
     *
     * @param probes one list per query as {@link #probes} gave it, or null
     * @throws InvalidParameterException if the arrays do not have one entry per query or a probe list repeats a cluster
     */
    public static PreparedQueries of(float[][] vectors, float[][] rotated, int[][] probes, String codebook) {
        if (rotated.length != vectors.length || (probes != null && probes.length != vectors.length)) {
            throw new InvalidParameterException("prepared queries need one vector, rotated vector and probe list per query, not "
                    + vectors.length + ", " + rotated.length + " and " + (probes == null ? 0 : probes.length));
        }
        if (probes != null) {
            for (int[] p : probes) {
                int[] sorted = p.clone(); // not IntStream.distinct: it boxes, and Spark rebuilds every shard's queries here
                Arrays.sort(sorted);
                for (int i = 1; i < sorted.length; i++) {
                    if (sorted[i] == sorted[i - 1]) {
                        throw new InvalidParameterException("a probe list must not repeat a cluster: " + Arrays.toString(p));
                    }
                }
            }
        }
        return new PreparedQueries(vectors, rotated, probes, java.util.Objects.requireNonNull(codebook));
    }

    /** Queries {@code from} (inclusive) to {@code to} (exclusive), sharing this batch's arrays. */
    public PreparedQueries slice(int from, int to) {
        return new PreparedQueries(Arrays.copyOfRange(vectors, from, to), Arrays.copyOfRange(rotated, from, to),
                probes == null ? null : Arrays.copyOfRange(probes, from, to), codebook);
    }
}
