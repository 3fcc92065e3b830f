package io.rabitq.core;

import java.io.Serializable;
import java.util.Arrays;

/**
 * What training produces and every build consumes: the metric, the IVF centroids and the rotation (fixed by kind,
 * seed and dimension). It is the one build pipeline of the product — {@link #train} → {@link #assign} →
 * {@link #encode} — used alike by the single-process indexes and by the Spark index job, so both write the same
 * codes for the same rows.
 *
 * <p>Invariants: {@code centroids.length == nlist * dim}, {@code nlist >= 1}; vectors given to {@link #assign} and
 * {@link #encode} are {@linkplain #prepare prepared} (validated; unit length under cosine). Immutable and
 * serializable (Spark broadcasts it); the rotation, quantizer and centroid layout are rebuilt lazily where it lands.
 */
public final class Codebook implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Metric metric;
    private final int dim;
    private final RotationKind rotation;
    private final long seed;
    private final int codeBits;
    private final int bits;
    private final float[] centroids;
    private transient volatile Derived derived;

    /**
     * A codebook from persisted parts.
     *
     * @param codeBits  code length: a multiple of 64 at least {@code dim}, or 0 for {@code dim} rounded up to 64
     * @param bits      bits per (padded) dimension, 1 to 9: 1 encodes sign bits only, more adds the extended code
     * @param centroids {@code nlist * dim} floats, row-major, in the prepared vector space (taken over, not copied)
     */
    public Codebook(Metric metric, int dim, RotationKind rotation, long seed, int codeBits, int bits, float[] centroids) {
        if (metric == null || rotation == null || centroids == null) {
            throw new InvalidParameterException("metric, rotation and centroids must not be null");
        }
        if (dim < 1) {
            throw new InvalidParameterException("dimension must be >= 1 but was " + dim);
        }
        if (centroids.length == 0 || centroids.length % dim != 0) {
            throw new InvalidParameterException(centroids.length + " centroid values are not whole rows of dimension " + dim);
        }
        int codeLength = codeBits > 0 ? codeBits : Rotation.paddedDim(dim);
        if (codeLength % 64 != 0 || codeLength < dim) {
            throw new InvalidParameterException("codeBits must be a multiple of 64 of at least the dimension " + dim
                    + " (or 0 for the default) but was " + codeBits);
        }
        this.metric = metric;
        this.dim = dim;
        this.rotation = rotation;
        this.seed = seed;
        ExtendedCode.checkBits(bits);
        this.codeBits = codeLength;
        this.bits = bits;
        this.centroids = centroids;
    }

    /**
     * Trains {@code min(nlist, n)} centroids (at least one) by seeded k-means over {@code n} prepared rows of
     * {@code rows} (row-major). The result depends only on the rows, {@code nlist} and {@code seed}.
     */
    public static Codebook train(Metric metric, int dim, float[] rows, int n, int nlist, RotationKind rotation, long seed,
                                 int codeBits, int bits) {
        if (n < 1) {
            throw new EmptyIndexException();
        }
        int k = Math.max(1, Math.min(nlist, n));
        float[] centroids = KMeans.train(rows, n, dim, k, seed, KMeans.DEFAULT_ITERATIONS, Kernels.scan());
        return new Codebook(metric, dim, rotation, seed, codeBits, bits, centroids);
    }

    /** Validates a vector (dimension, finite components) and returns it as the index stores it: unit length under cosine. */
    public float[] prepare(String what, float[] vector) {
        return Vectors.prepare(metric, what, vector, dim);
    }

    /** The cluster of a prepared vector: its nearest centroid by squared L2, ties to the lower index. */
    public int assign(float[] prepared) {
        return derived().table.nearest(prepared, Kernels.scan());
    }

    /**
     * Squared L2 distance of a prepared vector to centroid {@code cluster}: how well the centroids fit the data (a
     * mean that grows over new rows means the data drifted away from the trained centroids).
     */
    public double residualSq(int cluster, float[] prepared) {
        double sum = 0;
        for (int d = 0, o = cluster * dim; d < dim; d++) {
            double x = prepared[d] - centroids[o + d];
            sum += x * x;
        }
        return sum;
    }

    /** {@link #assign} for {@code n} prepared rows of {@code rows} (row-major) at once, in parallel. */
    void assignAll(float[] rows, int n, int[] out) {
        derived().table.assign(rows, n, Kernels.scan(), out);
    }

    /**
     * Encodes the prepared rows of one cluster as the IVF index stores them (this codebook's bits per dimension), for
     * the query mode {@code foldCentroids} (new bundles: {@link IvfRabitqIndex#FOLDS_CENTROIDS}; rows added to a
     * bundle: the bundle's), with their raw vectors when {@code keepRaw}.
     */
    public IndexSnapshot.Cluster encode(int cluster, long[] ids, float[] rows, boolean foldCentroids, boolean keepRaw) {
        return encode(cluster, ids, rows, foldCentroids, keepRaw, false).toSnapshot(false); // fresh arrays: no copy needed
    }

    /** Encodes one cluster's prepared rows for a quantizer of the given query mode (see {@link RabitqQuantizer}). */
    ClusterCodes encode(int cluster, long[] ids, float[] rows, boolean foldCentroids, boolean keepRaw, boolean pack) {
        return quantizer(foldCentroids).encode(centroid(cluster), ids, rows, bits, keepRaw, pack);
    }

    /**
     * The recall curve of an IVF index of this codebook, measured on the first {@code n} (at most 50,000) prepared
     * sample rows (row-major): encoded as the index would store them (with raw vectors if {@code keepRaw}), 200 of them
     * searched among all for a ladder of nprobe values, recall@10 against their exact nearest others (see
     * {@link IvfRabitqIndex#nprobe()} and {@link IvfRabitqIndex#nprobeFor}).
     */
    public RecallCurve calibrate(float[] rows, int n, boolean keepRaw) {
        n = Math.min(n, NprobeCalibration.MAX_SAMPLE_ROWS);
        long[] ids = new long[n];
        Arrays.setAll(ids, i -> i);
        float[] sample = n * dim == rows.length ? rows : Arrays.copyOf(rows, n * dim);
        IvfEngine engine = IvfEngine.encodeAll(this, ids, sample, IvfRabitqIndex.FOLDS_CENTROIDS, keepRaw, Kernels.scan());
        return NprobeCalibration.curve(engine, ids, sample, seed);
    }

    /** The default nprobe the {@code curve} of an index of this codebook gives (recall@10 0.96 on its sample). */
    public int defaultNprobe(RecallCurve curve) {
        return NprobeCalibration.defaultNprobe(curve, nlist());
    }

    /** The quantizer of this codebook's rotation for the given query mode. */
    RabitqQuantizer quantizer(boolean foldCentroids) {
        Derived d = derived();
        return foldCentroids ? d.folded : d.perCluster;
    }

    /** The centroid laid out for probe choice and assignment. */
    CentroidTable table() {
        return derived().table;
    }

    /** Centroid {@code c}, rotated (padded dimension). */
    float[] rotatedCentroid(int c) {
        return derived().rotatedCentroids[c];
    }

    private float[] centroid(int c) {
        return Arrays.copyOfRange(centroids, c * dim, (c + 1) * dim);
    }

    public Metric metric() {
        return metric;
    }

    public int dim() {
        return dim;
    }

    public RotationKind rotation() {
        return rotation;
    }

    public long seed() {
        return seed;
    }

    /** Code length in bits: the rotation's output (padded) dimension. */
    public int codeBits() {
        return codeBits;
    }

    /** Bits per padded dimension of the codes this codebook writes: 1 (sign bits) to 9. */
    public int bits() {
        return bits;
    }

    public int nlist() {
        return centroids.length / dim;
    }

    /** The centroids, {@code nlist * dim} floats row-major (a copy). */
    public float[] centroids() {
        return centroids.clone();
    }

    /**
     * What makes two codebooks interchangeable for a search: metric, rotation, code length and the centroids (by hash).
     * Queries prepared with one codebook search any index built on an equal one, e.g. every partition of a bundle.
     */
    String identity() {
        return derived().identity;
    }

    /** Heap bytes of the centroids in their three layouts and the rotation. */
    long memoryBytes() {
        Derived d = derived();
        return 4L * centroids.length + 4L * nlist() * codeBits + d.table.memoryBytes() + d.perCluster.rotation().memoryBytes();
    }

    private Derived derived() {
        Derived d = derived;
        if (d == null) {
            synchronized (this) {
                d = derived;
                if (d == null) {
                    d = new Derived(this);
                    derived = d;
                }
            }
        }
        return d;
    }

    /** What is rebuilt from the serialized fields wherever the codebook is used. */
    private static final class Derived {
        final RabitqQuantizer perCluster;
        final RabitqQuantizer folded;
        final CentroidTable table;
        final float[][] rotatedCentroids;
        final String identity;

        Derived(Codebook b) {
            Rotation r = Rotation.create(b.rotation, b.seed, b.dim, b.codeBits);
            boolean ip = b.metric == Metric.INNER_PRODUCT;
            perCluster = new RabitqQuantizer(r, ip, false);
            folded = new RabitqQuantizer(r, ip, true);
            int nlist = b.nlist();
            table = new CentroidTable(b.centroids, nlist, b.dim);
            rotatedCentroids = new float[nlist][r.paddedDim()];
            for (int c = 0; c < nlist; c++) {
                r.rotate(b.centroid(c), rotatedCentroids[c]);
            }
            identity = b.metric + "/" + b.rotation + "/" + b.seed + "/" + b.dim + "/" + b.codeBits + "/" + nlist + "/"
                    + Integer.toHexString(Arrays.hashCode(b.centroids));
        }
    }
}
