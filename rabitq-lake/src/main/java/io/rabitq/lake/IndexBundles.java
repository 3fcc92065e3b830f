package io.rabitq.lake;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.BundleSpec;
import io.rabitq.bundle.GenerationWriter;
import io.rabitq.bundle.Manifest;
import io.rabitq.bundle.PartitionData;
import io.rabitq.bundle.PartitionWriter;
import io.rabitq.core.IndexSnapshot;
import io.rabitq.core.Codebook;
import io.rabitq.core.Metric;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RawVectors;
import io.rabitq.core.RecallCurve;
import io.rabitq.core.RotationKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Saves any quantized index of {@code io.rabitq.core} as a bundle generation and loads it back with bit-identical
 * search results and the original ids; a loaded index reads its raw vectors (if any) from the memory-mapped partition
 * files, so they never come onto the heap. The only place that knows both the bundle format and the index math.
 *
 * <p>Mapping: clusters are split into {@code partitions} contiguous ranges balanced by rows; each row is
 * (id, cluster, code, f_add, f_ip, f_ppc, f_err[, f_add_ex, f_rescale_ex, f_err_ex][, raw]). The code is the sign
 * plane followed by the {@code bits - 1} extra planes of the extended code, {@code codeBits / 8} bytes each; code
 * words become bytes little-endian, so bit i of a plane is bit {@code i % 8} of its byte {@code i / 8}. Manifest params
 * carry the variant, its settings and the query mode.
 */
public final class IndexBundles {
    /** Manifest param: whether rows are encoded for a query quantized once (see {@link IvfRabitqIndex#FOLDS_CENTROIDS}). */
    private static final String FOLDED_CENTROIDS_PARAM = "folded_centroids";

    private IndexBundles() {
    }

    /** Where the data came from and how to describe the generation. */
    public record Source(String ref, String version, Map<String, String> tags) {
        public Source {
            tags = Map.copyOf(tags);
        }
    }

    /** Publishes {@code index} (built first if needed) as a new generation of {@code bundleDir}. */
    public static Manifest publish(QuantizedIndex index, Path bundleDir, int partitions, Source source) {
        if (partitions < 1) {
            throw new BundleException("partitions must be >= 1 but was " + partitions);
        }
        IndexSnapshot s = index.snapshot();
        BundleSpec spec = spec(s.variant(), s.params(), s.dim(), s.metric(), s.rotation(), s.seed(), s.codeBits(), s.bits(),
                s.foldedCentroids(), s.nlist(), s.hasRaw(), source);
        try (GenerationWriter g = GenerationWriter.begin(bundleDir, spec)) {
            g.writeCentroids(s.centroids());
            int c = 0;
            long remaining = s.size();
            for (int p = 0; p < partitions; p++) {
                long target = (remaining + (partitions - p) - 1) / (partitions - p);
                long written = 0;
                try (PartitionWriter w = g.openPartition()) {
                    while (c < s.nlist() && (written < target || p == partitions - 1)) {
                        appendCluster(w, c, s.clusters().get(c), s.dim(), s.codeBits(), s.bits());
                        written += s.clusters().get(c).ids().length;
                        c++;
                    }
                }
                remaining -= written;
            }
            return g.publish();
        }
    }

    /** The bundle spec of an index with these settings (the manifest params identify the variant and query mode). */
    public static BundleSpec spec(String variant, Map<String, String> variantParams, int dim, Metric metric, RotationKind rotation,
                                  long seed, int codeBits, int bits, boolean folded, int nlist, boolean hasRaw, Source source) {
        Map<String, String> params = new HashMap<>(variantParams);
        params.put("variant", variant);
        params.put(FOLDED_CENTROIDS_PARAM, Boolean.toString(folded));
        return new BundleSpec(dim, codeBits, metric.shortName(), bits, rotation.name().toLowerCase(Locale.ROOT), seed, nlist, params,
                factorColumns(bits), hasRaw, source.ref(), source.version(), source.tags());
    }

    private static List<String> factorColumns(int bits) {
        List<String> columns = new ArrayList<>(IndexSnapshot.FACTORS);
        if (bits > 1) {
            columns.addAll(IndexSnapshot.EX_FACTORS);
        }
        return columns;
    }

    /**
     * The spec of a new IVF bundle written cluster by cluster from {@code codebook}'s pipeline (as the Spark index job
     * does): the query mode {@link IvfRabitqIndex#FOLDS_CENTROIDS}, the codebook's bits, raw vectors if {@code hasRaw}, the default nprobe as
     * measured by {@link Codebook#calibrate} (0: none, the formula's) and the recall curve it came from (null: none).
     */
    public static BundleSpec ivfSpec(Codebook codebook, boolean hasRaw, int calibratedNprobe, RecallCurve recallCurve, Source source) {
        Map<String, String> params = new HashMap<>(Map.of("nprobe", "0", "calibrated_nprobe", Integer.toString(calibratedNprobe)));
        if (recallCurve != null) {
            params.put(IvfRabitqIndex.RECALL_CURVE_PARAM, recallCurve.format());
        }
        return spec("ivf", params, codebook.dim(), codebook.metric(), codebook.rotation(), codebook.seed(),
                codebook.codeBits(), codebook.bits(), IvfRabitqIndex.FOLDS_CENTROIDS, codebook.nlist(), hasRaw, source);
    }

    /**
     * Whether the rows of a bundle with these manifest params are encoded for a query quantized once (see {@link #spec});
     * rows added to the bundle must be encoded the same way.
     */
    public static boolean foldsCentroids(Map<String, String> params) {
        return Boolean.parseBoolean(params.get(FOLDED_CENTROIDS_PARAM));
    }

    /** Appends the rows of one cluster encoded with {@code codeBits}-bit planes and {@code bits} bits per dimension. */
    public static void appendCluster(PartitionWriter w, int cluster, IndexSnapshot.Cluster cl, int dim, int codeBits, int bits) {
        int words = codeBits / 64;
        int ex = bits - 1;
        float[] factors = new float[4 + (ex > 0 ? 3 : 0)];
        byte[] code = new byte[bits * words * 8];
        float[] raw = cl.raw() == null ? null : new float[dim];
        for (int i = 0; i < cl.ids().length; i++) {
            if (raw != null) {
                cl.raw().read(i, raw, 0);
            }
            for (int k = 0; k < 4; k++) {
                factors[k] = cl.factors()[k][i];
            }
            toBytes(cl.codes(), i * words, words, code, 0);
            if (ex > 0) {
                toBytes(cl.exCodes(), i * ex * words, ex * words, code, words * 8);
                for (int k = 0; k < 3; k++) {
                    factors[4 + k] = cl.exFactors()[k][i];
                }
            }
            w.append(cl.ids()[i], cluster, code, factors, raw);
        }
    }

    /** Opens the live generation (full verification) and restores the index. */
    public static QuantizedIndex load(Path bundleDir) {
        try (Bundle b = Bundle.open(bundleDir)) {
            return load(b);
        }
    }

    /** Restores the index held by an open bundle. */
    public static QuantizedIndex load(Bundle b) {
        int[] all = new int[b.manifest().partitions().size()];
        java.util.Arrays.setAll(all, i -> i);
        return loadPartitions(b, all);
    }

    /**
     * Restores an index holding only the rows of the given partitions, but all centroids: it probes exactly the
     * clusters the whole index would and scans those it holds, so per-partition results merge into the answer of
     * the whole index (how Spark tasks search a bundle).
     */
    public static QuantizedIndex loadPartitions(Bundle b, int[] partitionNumbers) {
        Manifest m = b.manifest();
        if (!m.factorColumns().equals(factorColumns(m.bits()))) {
            throw new BundleException(b.directory() + " holds factors " + m.factorColumns() + " at " + m.bits()
                    + " bits; this version reads " + factorColumns(m.bits()) + " at that code length");
        }
        int words = m.paddedDim() / 64;
        int ex = m.bits() - 1;
        int[] counts = new int[m.nlist()];
        List<PartitionData> parts = new ArrayList<>();
        for (int p : partitionNumbers) {
            PartitionData d = b.readPartition(p);
            parts.add(d);
            for (Manifest.ClusterRange r : d.ranges()) {
                counts[r.cluster()] += (int) r.rows();
            }
        }
        long[][] ids = new long[m.nlist()][];
        long[][] codes = new long[m.nlist()][];
        float[][][] factors = new float[m.nlist()][][];
        List<List<RawVectors>> raw = new ArrayList<>();
        long[][] exCodes = new long[m.nlist()][];
        float[][][] exFactors = new float[m.nlist()][][];
        int[] fill = new int[m.nlist()];
        for (int c = 0; c < m.nlist(); c++) {
            ids[c] = new long[counts[c]];
            codes[c] = new long[counts[c] * words];
            factors[c] = new float[4][counts[c]];
            raw.add(new ArrayList<>());
            exCodes[c] = ex > 0 ? new long[counts[c] * ex * words] : null;
            exFactors[c] = ex > 0 ? new float[3][counts[c]] : null;
        }
        int cb = m.codeBytes();
        for (PartitionData d : parts) {
            if (d.raw() != null) {
                for (Manifest.ClusterRange r : d.ranges()) {
                    raw.get(r.cluster()).add(d.raw().slice((int) r.firstRow(), (int) r.rows()));
                }
            }
            for (int r = 0; r < d.rows(); r++) {
                int c = d.clusters()[r];
                int i = fill[c]++;
                ids[c][i] = d.ids()[r];
                fromBytes(d.codes(), r * cb, codes[c], i * words, words);
                for (int k = 0; k < 4; k++) {
                    factors[c][k][i] = d.factors()[k][r];
                }
                if (ex > 0) {
                    fromBytes(d.codes(), r * cb + words * 8, exCodes[c], i * ex * words, ex * words);
                    for (int k = 0; k < 3; k++) {
                        exFactors[c][k][i] = d.factors()[4 + k][r];
                    }
                }
            }
        }
        List<IndexSnapshot.Cluster> clusters = new ArrayList<>();
        for (int c = 0; c < m.nlist(); c++) {
            RawVectors rows = !m.hasRaw() ? null : raw.get(c).isEmpty() ? RawVectors.of(new float[0], m.dim()) : RawVectors.concat(raw.get(c));
            clusters.add(new IndexSnapshot.Cluster(ids[c], codes[c], factors[c], rows, exCodes[c], exFactors[c]));
        }
        Map<String, String> params = new HashMap<>(m.params());
        String variant = params.remove("variant");
        boolean folded = Boolean.parseBoolean(params.remove(FOLDED_CENTROIDS_PARAM));
        IndexSnapshot s = new IndexSnapshot(variant, m.dim(), Metric.parse(m.metric()),
                RotationKind.valueOf(m.rotationKind().toUpperCase(Locale.ROOT)), m.rotationSeed(), m.paddedDim(), m.bits(), folded, params,
                b.readCentroids(), clusters);
        return QuantizedIndex.restore(s);
    }

    private static void toBytes(long[] words, int off, int n, byte[] out, int outOff) {
        for (int w = 0; w < n; w++) {
            long v = words[off + w];
            for (int b = 0; b < 8; b++) {
                out[outOff + w * 8 + b] = (byte) (v >>> (8 * b));
            }
        }
    }

    private static void fromBytes(byte[] in, int off, long[] words, int woff, int n) {
        for (int w = 0; w < n; w++) {
            long v = 0;
            for (int b = 0; b < 8; b++) {
                v |= (in[off + w * 8 + b] & 0xFFL) << (8 * b);
            }
            words[woff + w] = v;
        }
    }
}
