package io.rabitq.core;

import java.util.List;
import java.util.Map;

/**
 * Everything a built quantized index consists of, as plain arrays: enough to persist it (see the bundle
 * adapter in {@code io.rabitq.lake}) and restore it with bit-identical search results. Codes are {@code long}
 * words, bit {@code i % 64} of word {@code i / 64} for rotated coordinate i.
 *
 * @param variant    index class: {@code ivf}, {@code rabitq}, {@code plus} or {@code asym}
 * @param params     the variant's settings (e.g. {@code nprobe}, {@code rerank_factor}), as strings
 * @param centroids  {@code nlist * dim} floats, row-major
 * @param clusters   one entry per centroid, in order
 */
public record IndexSnapshot(String variant, int dim, Metric metric, RotationKind rotation, long seed, int codeBits,
                            boolean foldedCentroids, Map<String, String> params, float[] centroids,
                            List<Cluster> clusters) {

    public IndexSnapshot {
        params = Map.copyOf(params);
        clusters = List.copyOf(clusters);
    }

    /** Names of the four per-vector factors, in the order of {@link Cluster#factors()}. */
    public static final List<String> FACTORS = List.of("f_add", "f_ip", "f_ppc", "f_err");

    /**
     * One cluster's rows.
     *
     * @param codes   {@code ids.length * codeBits / 64} words
     * @param factors {@link #FACTORS} arrays of {@code ids.length} floats each
     * @param raw     {@code ids.length * dim} floats, or null for codes-only indexes
     */
    public record Cluster(long[] ids, long[] codes, float[][] factors, float[] raw) {
    }

    public int nlist() {
        return clusters.size();
    }

    public boolean hasRaw() {
        return !clusters.isEmpty() && clusters.get(0).raw() != null;
    }

    public long size() {
        return clusters.stream().mapToLong(c -> c.ids().length).sum();
    }
}
