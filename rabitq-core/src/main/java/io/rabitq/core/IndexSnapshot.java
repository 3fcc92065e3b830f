package io.rabitq.core;

import java.util.List;
import java.util.Map;

/**
 * Everything a built quantized index consists of, as plain arrays: enough to persist it (see the bundle
 * adapter in {@code io.rabitq.lake}) and restore it with bit-identical search results. Codes are {@code long}
 * words, bit {@code i % 64} of word {@code i / 64} for rotated coordinate i.
 *
 * @param variant    index class: {@code ivf}, {@code rabitq}, {@code plus} or {@code asym}
 * @param bits       bits per padded dimension, 1 to 9: 1 is the sign bits only, more adds an extended code per row
 * @param params     the variant's settings (e.g. {@code nprobe}, {@code rerank_factor}), as strings
 * @param centroids  {@code nlist * dim} floats, row-major
 * @param clusters   one entry per centroid, in order
 */
public record IndexSnapshot(String variant, int dim, Metric metric, RotationKind rotation, long seed, int codeBits,
                            int bits, boolean foldedCentroids, Map<String, String> params, float[] centroids,
                            List<Cluster> clusters) {

    public IndexSnapshot {
        ExtendedCode.checkBits(bits);
        params = Map.copyOf(params);
        clusters = List.copyOf(clusters);
    }

    /** Names of the four per-vector factors, in the order of {@link Cluster#factors()}. */
    public static final List<String> FACTORS = List.of("f_add", "f_ip", "f_ppc", "f_err");

    /** Names of the three factors of the extended code, in the order of {@link Cluster#exFactors()}. */
    public static final List<String> EX_FACTORS = List.of("f_add_ex", "f_rescale_ex", "f_err_ex");

    /**
     * One cluster's rows.
     *
     * @param codes     {@code ids.length * codeBits / 64} words: the sign bits
     * @param factors   {@link #FACTORS} arrays of {@code ids.length} floats each
     * @param raw       {@code ids.length} raw vectors, or null for codes-only indexes
     * @param exCodes   with {@code bits > 1}: {@code ids.length * (bits - 1) * codeBits / 64} words, per row its
     *                  {@code bits - 1} extra bit planes (plane j of row n at word {@code (n (bits - 1) + j) codeBits / 64});
     *                  else null
     * @param exFactors with {@code bits > 1}: {@link #EX_FACTORS} arrays of {@code ids.length} floats; else null
     */
    public record Cluster(long[] ids, long[] codes, float[][] factors, RawVectors raw, long[] exCodes, float[][] exFactors) {
        /** A cluster of 1-bit codes. */
        public Cluster(long[] ids, long[] codes, float[][] factors, RawVectors raw) {
            this(ids, codes, factors, raw, null, null);
        }
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
