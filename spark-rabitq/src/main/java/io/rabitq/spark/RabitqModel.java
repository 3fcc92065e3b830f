package io.rabitq.spark;

import static org.apache.spark.sql.functions.col;

import io.rabitq.bundle.BundleSpec;
import io.rabitq.bundle.GenerationWriter;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.Codebook;
import io.rabitq.core.Metric;
import io.rabitq.core.RabitqException;
import io.rabitq.core.RecallCurve;
import io.rabitq.core.RotationKind;
import io.rabitq.lake.IndexBundles;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * A trained quantizer as a Spark ML {@link Model}: the {@link Codebook} (IVF centroids, rotation, metric) that
 * {@link RabitqIndexer} fitted. {@link #index} quantizes a DataFrame into a bundle with one partition file per Spark
 * task; {@link #transform} adds, for every row's vector, its {@code k} nearest neighbours in the bundle at
 * {@code bundlePath} (MLlib's {@code approxNearestNeighbors} analogue, batched by row). Persisted like Spark ML
 * models: {@code model.write().overwrite().save(path)}, {@code RabitqModel.load(path)}, also inside a saved
 * {@link org.apache.spark.ml.PipelineModel}.
 */
public final class RabitqModel extends Model<RabitqModel> implements NeighborParams<RabitqModel>, MLWritable {
    private static final long serialVersionUID = 1L;
    /** Description of the index job that quantizes rows and writes the partition files. */
    static final String WRITE_PHASE = "index: quantize and write partition files";
    /** Manifest param: the indexed rows' mean squared distance to their centroid (the baseline of drift). */
    public static final String MEAN_RESIDUAL_PARAM = "mean_residual_sq";

    private final String uid;
    private final NeighborParamSet shared;
    private final Codebook codebook;
    private final BooleanParam storeRaw;
    private final int calibratedNprobe;
    private final RecallCurve recallCurve;

    /**
     * @param calibratedNprobe the measured default nprobe ({@link Codebook#defaultNprobe}), 0 for none
     * @param recallCurve      recall@10 by nprobe measured on the training sample ({@link Codebook#calibrate}), null for none
     */
    RabitqModel(String uid, Codebook codebook, int calibratedNprobe, RecallCurve recallCurve) {
        this.uid = uid;
        this.calibratedNprobe = calibratedNprobe;
        this.recallCurve = recallCurve;
        this.shared = new NeighborParamSet(uid);
        this.codebook = codebook;
        this.storeRaw = RabitqParams.storeRaw(uid);
        setNeighborDefaults();
        setDefault(storeRaw, io.rabitq.core.IvfRabitqIndex.DEFAULT_STORE_RAW);
    }

    public BooleanParam storeRaw() {
        return storeRaw;
    }

    /** Whether {@link #index} keeps raw vectors in the bundle for the exact rerank. */
    public boolean getStoreRaw() {
        return (Boolean) getOrDefault(storeRaw);
    }

    public RabitqModel setStoreRaw(boolean value) {
        set(storeRaw, value);
        return this;
    }

    /**
     * The nprobe searches of this model's bundles use by default: measured at fit time to reach recall@10 0.96 on the
     * training sample, or 0 when unknown (a model saved before it existed; the formula's default then applies).
     */
    public int calibratedNprobe() {
        return calibratedNprobe;
    }

    /** Recall@10 by nprobe measured at fit time on the training sample; null for a model saved before it existed. */
    public RecallCurve recallCurve() {
        return recallCurve;
    }

    /** Code bits per dimension of the bundles this model writes. */
    public int bits() {
        return codebook.bits();
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public NeighborParamSet neighborParams() {
        return shared;
    }

    /** The trained codebook: centroids, rotation and metric. */
    public Codebook codebook() {
        return codebook;
    }

    public int dim() {
        return codebook.dim();
    }

    public int nlist() {
        return codebook.nlist();
    }

    public Metric metric() {
        return codebook.metric();
    }

    public RotationKind rotation() {
        return codebook.rotation();
    }

    public long seed() {
        return codebook.seed();
    }

    /** Centroids, {@code nlist * dim} floats row-major (a copy). */
    public float[] centroids() {
        return codebook.centroids();
    }

    /**
     * Adds {@code outputCol}: for each row's vector in {@code inputCol}, its {@code k} nearest neighbours in the
     * bundle at {@code bundlePath} as {@code array<struct<id:bigint, distance:float>>}, nearest first; null for a
     * null vector. Each executor loads the bundle once (see {@link RabitqFunctions}).
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        String bundle = getBundlePath();
        Dataset<Row> df = dataset.toDF();
        return df.withColumn(getOutputCol(), RabitqFunctions.rabitqSearch(col(getInputCol()), bundle, getK(), getNprobe()));
    }

    /**
     * The distributed batch search of {@link RabitqSearch#searchBatch} with this model's params: the queries' ids in
     * {@code idCol}, their vectors in {@code inputCol}, {@code k} neighbours from the bundle at {@code bundlePath}
     * with {@code nprobe}. One row per query: {@code (query_id, neighbors, the queries' other columns...)}.
     */
    public Dataset<Row> searchBatch(Dataset<?> queries) {
        requireBundle();
        return RabitqSearch.searchBatch(queries.toDF(), getIdCol(), getInputCol(), getBundlePath(), getK(), getNprobe());
    }

    /** Checks the vector column and the bundle path, and adds the neighbours column. */
    @Override
    public StructType transformSchema(StructType schema) {
        requireBundle();
        VectorColumns.checkVector(schema, getInputCol());
        if (Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
            throw new InvalidInputException("output column '" + getOutputCol() + "' already exists; setOutputCol to another name");
        }
        return schema.add(getOutputCol(), RabitqFunctions.RESULT_TYPE, true);
    }

    private void requireBundle() {
        if (getBundlePath() == null) {
            throw new InvalidInputException("RabitqModel needs a bundle to search: setBundlePath(dir) to a bundle this model "
                    + "indexed (RabitqModel.index or RabitqIndexer.setBundlePath before fit)");
        }
    }

    @Override
    public RabitqModel copy(ParamMap extra) {
        return copyValues(new RabitqModel(uid, codebook, calibratedNprobe, recallCurve), extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new RabitqModelIO.Writer(this);
    }

    /** Reader in the Spark ML style: {@code RabitqModel.read().load(path)}. */
    public static MLReader<RabitqModel> read() {
        return new RabitqModelIO.Reader();
    }

    /** Loads a model saved with {@code write().save(path)} (uses the active SparkSession). */
    public static RabitqModel load(String path) {
        return read().load(path);
    }

    /**
     * Quantizes every row of {@code df} into a new generation of the bundle at {@code bundleDir}: rows are
     * assigned to their nearest centroid, whole clusters are split into {@code partitions} contiguous ranges
     * balanced by row count (computed on the driver, so the layout depends only on the data), each task sorts its
     * rows by (cluster, id) and writes its partition file; the driver then writes the manifest and publishes
     * atomically. A failed job publishes nothing; retried or speculative tasks write identical files, so rows are
     * never lost or doubled. The manifest records the rows' mean squared distance to their centroid
     * ({@value #MEAN_RESIDUAL_PARAM}), against which {@code reindex} measures drift.
     */
    public Manifest index(Dataset<Row> df, String bundleDir, int partitions, IndexBundles.Source source) {
        return index(df, bundleDir, partitions, source, GenerationWriter::publish);
    }

    /** {@link #index}, publishing with {@code publish} (e.g. only over the generation a re-index started from). */
    Manifest index(Dataset<Row> df, String bundleDir, int partitions, IndexBundles.Source source,
                   java.util.function.Function<GenerationWriter, Manifest> publish) {
        Dataset<Row> rows = VectorColumns.select(df, getIdCol(), getInputCol());
        if (partitions < 1) {
            throw new InvalidInputException("partitions must be >= 1 but was " + partitions);
        }
        BundleSpec spec = IndexBundles.ivfSpec(codebook, getStoreRaw(), calibratedNprobe, recallCurve, source);
        SparkContext sc = df.sparkSession().sparkContext();
        Broadcast<Codebook> book = JavaSparkContext.fromSparkContext(sc).broadcast(codebook);
        Dataset<Row> assigned = PartitionFiles.assign(rows, book);
        try (GenerationWriter g = GenerationWriter.begin(Path.of(bundleDir), spec)) {
            Dataset<Row> cached = assigned.persist(StorageLevel.MEMORY_AND_DISK()); // may evaluate eagerly
            g.writeCentroids(codebook.centroids());
            PartitionFiles.ClusterStats stats = PartitionFiles.ClusterStats.of(cached, codebook.nlist(), "index: assign rows to clusters");
            PartitionFiles.write(cached, ClusterPartitioner.balanced(stats.rows(), partitions), book, g, 0, WRITE_PHASE);
            g.param(MEAN_RESIDUAL_PARAM, stats.meanResidualText());
            return publish.apply(g);
        } catch (Exception e) { // Spark rethrows task failures (checked SparkException included) from collect
            throw unwrap(e);
        } finally {
            assigned.unpersist();
        }
    }

    /** Surfaces our own error from inside a failed Spark job, so callers see what to fix. */
    static RuntimeException unwrap(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RabitqException) {
                return (RuntimeException) t;
            }
        }
        return e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e.getMessage(), e);
    }
}
