package io.rabitq.spark;

import io.rabitq.core.Codebook;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Metric;
import io.rabitq.core.RotationKind;
import io.rabitq.core.Vectors;
import io.rabitq.lake.IndexBundles;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Trains a {@link RabitqModel} — IVF centroids plus a seeded rotation — as a Spark ML {@link Estimator}:
 * {@code new RabitqIndexer().setInputCol("features").fit(df)}, alone or as a {@link org.apache.spark.ml.Pipeline}
 * stage. Training takes a seeded sample (at most {@code sampleSize} rows, never the whole table) to the driver and
 * runs k-means there. With {@code bundlePath} set, {@code fit} also indexes every row of the training DataFrame into
 * that bundle, so the fitted model's {@code transform} can search it at once.
 *
 * <p>Params (all validated when set): {@code idCol}, {@code inputCol}, {@code outputCol}, {@code bundlePath},
 * {@code k}, {@code nprobe} (shared with the model, which inherits their values), {@code metric}, {@code nlist},
 * {@code sampleSize}, {@code seed}, {@code rotation}, {@code partitions}, {@code bits}, {@code storeRaw} (inherited by the
 * model); {@code explainParams()} documents them.
 */
public final class RabitqIndexer extends Estimator<RabitqModel>
        implements NeighborParams<RabitqIndexer>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final NeighborParamSet shared;
    private final Param<String> metric;
    private final IntParam nlist;
    private final IntParam sampleSize;
    private final LongParam seed;
    private final Param<String> rotation;
    private final IntParam partitions;
    private final IntParam bits;
    private final BooleanParam storeRaw;

    public RabitqIndexer() {
        this(Identifiable.randomUID("rabitqIndexer"));
    }

    public RabitqIndexer(String uid) {
        this.uid = uid;
        this.shared = new NeighborParamSet(uid);
        metric = RabitqParams.metric(uid);
        nlist = RabitqParams.nlist(uid);
        sampleSize = RabitqParams.sampleSize(uid);
        seed = RabitqParams.seed(uid);
        rotation = RabitqParams.rotation(uid);
        partitions = RabitqParams.partitions(uid);
        bits = RabitqParams.bits(uid);
        storeRaw = RabitqParams.storeRaw(uid);
        setNeighborDefaults();
        setDefault(bits, IvfRabitqIndex.DEFAULT_BITS);
        setDefault(storeRaw, IvfRabitqIndex.DEFAULT_STORE_RAW);
        setDefault(metric, "l2");
        setDefault(nlist, 0);
        setDefault(sampleSize, 200_000);
        setDefault(seed, 42L);
        setDefault(rotation, "fht_kac");
        setDefault(partitions, 0);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public NeighborParamSet neighborParams() {
        return shared;
    }

    public Param<String> metric() {
        return metric;
    }

    public IntParam nlist() {
        return nlist;
    }

    public IntParam sampleSize() {
        return sampleSize;
    }

    public LongParam seed() {
        return seed;
    }

    public Param<String> rotation() {
        return rotation;
    }

    public IntParam partitions() {
        return partitions;
    }

    public IntParam bits() {
        return bits;
    }

    public BooleanParam storeRaw() {
        return storeRaw;
    }

    public int getBits() {
        return (Integer) getOrDefault(bits);
    }

    public boolean getStoreRaw() {
        return (Boolean) getOrDefault(storeRaw);
    }

    /** Code bits per dimension, 1 to 9 (see {@link io.rabitq.core.RabitqOptions#bits()}). */
    public RabitqIndexer setBits(int value) {
        set(bits, value);
        return this;
    }

    /** Whether bundles keep raw vectors for the exact rerank; the fitted model inherits it. */
    public RabitqIndexer setStoreRaw(boolean value) {
        set(storeRaw, value);
        return this;
    }

    public String getMetric() {
        return getOrDefault(metric);
    }

    public int getNlist() {
        return (Integer) getOrDefault(nlist);
    }

    public int getSampleSize() {
        return (Integer) getOrDefault(sampleSize);
    }

    public long getSeed() {
        return (Long) getOrDefault(seed);
    }

    public String getRotation() {
        return getOrDefault(rotation);
    }

    public int getPartitions() {
        return (Integer) getOrDefault(partitions);
    }

    /** {@code l2}, {@code ip} or {@code cosine} (aliases such as {@code euclidean} or {@code dot} are accepted). */
    public RabitqIndexer setMetric(String value) {
        set(metric, Metric.parse(value).shortName());
        return this;
    }

    /** Number of IVF clusters; 0 (default) means {@link IvfRabitqIndex#defaultNlist}: 4 sqrt(n), at most n / 100. */
    public RabitqIndexer setNlist(int value) {
        set(nlist, value);
        return this;
    }

    /** Upper bound on the rows collected to the driver for k-means. */
    public RabitqIndexer setSampleSize(int value) {
        set(sampleSize, value);
        return this;
    }

    public RabitqIndexer setSeed(long value) {
        set(seed, value);
        return this;
    }

    public RabitqIndexer setRotation(String value) {
        set(rotation, value.toLowerCase(Locale.ROOT));
        return this;
    }

    public RabitqIndexer setPartitions(int value) {
        set(partitions, value);
        return this;
    }

    /** Trains centroids on a sample of {@code dataset} and, with {@code bundlePath} set, indexes it there. */
    @Override
    public RabitqModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        Dataset<Row> rowsIn = VectorColumns.select(dataset.toDF(), getIdCol(), getInputCol());
        org.apache.spark.SparkContext sc = dataset.sparkSession().sparkContext();
        long n = JobPhase.run(sc, "train: count the input rows", rowsIn::count);
        if (n == 0) {
            throw new InvalidInputException("the input DataFrame is empty; nothing to index");
        }
        int clusters = getNlist() > 0 ? getNlist() : IvfRabitqIndex.defaultNlist(n);
        int limit = getSampleSize();
        double fraction = Math.min(1.0, 1.1 * limit / n);
        List<Row> sample = JobPhase.run(sc, String.format("train: sample up to %,d of %,d rows", limit, n), () -> {
            List<Row> rows = rowsIn.sample(false, fraction, getSeed()).limit(limit).collectAsList();
            return rows.isEmpty() ? rowsIn.limit(limit).collectAsList() : rows;
        });
        int dim = sample.get(0).isNullAt(1) ? -1 : sample.get(0).getList(1).size();
        if (dim < 1) {
            throw new InvalidInputException("column '" + getInputCol() + "' holds null or empty vectors; filter them out first");
        }
        Metric m = Metric.parse(getMetric());
        float[] rows = new float[sample.size() * dim];
        for (int i = 0; i < sample.size(); i++) {
            Row r = sample.get(i);
            float[] v = Vectors.prepare(m, "vector of row " + r.get(0), VectorColumns.read(r, 1, dim, r.get(0)), dim);
            System.arraycopy(v, 0, rows, i * dim, dim);
        }
        RotationKind kind = RotationKind.valueOf(getRotation().toUpperCase(Locale.ROOT));
        int sampled = sample.size();
        Codebook codebook = JobPhase.run(sc, String.format("train: k-means of %,d centroids on %,d rows (driver)", clusters, sampled),
                () -> Codebook.train(m, dim, rows, sampled, clusters, kind, getSeed(), 0, getBits()));
        // the default nprobe: measured on the sample, encoded as the bundle will store them
        io.rabitq.core.RecallCurve curve = JobPhase.run(sc, "train: measure the recall curve on the sample (driver)",
                () -> codebook.calibrate(rows, sampled, getStoreRaw()));
        RabitqModel model = copyValues(new RabitqModel(uid, codebook, codebook.defaultNprobe(curve), curve), ParamMap.empty())
                .setParent(this);
        String bundle = getBundlePath();
        if (bundle != null) {
            int p = getPartitions() > 0 ? getPartitions() : sc.defaultParallelism();
            model.index(dataset.toDF(), bundle, p, new IndexBundles.Source("dataframe", "fit " + uid, Map.of()));
        }
        return model;
    }

    /** Checks the id and vector columns (names and types); the schema itself is unchanged by fitting. */
    @Override
    public StructType transformSchema(StructType schema) {
        VectorColumns.check(schema, getIdCol(), getInputCol());
        return schema;
    }

    @Override
    public RabitqIndexer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reader of indexers saved with {@code write().save(path)} (Spark ML's standard metadata). */
    public static MLReader<RabitqIndexer> read() {
        return new DefaultParamsReader<>();
    }

    public static RabitqIndexer load(String path) {
        return read().load(path);
    }
}
