package io.rabitq.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.rabitq.bundle.BundleSpec;
import io.rabitq.bundle.GenerationWriter;
import io.rabitq.bundle.Manifest;
import io.rabitq.bundle.PartitionWriter;
import io.rabitq.core.Codebook;
import io.rabitq.core.Metric;
import io.rabitq.core.RabitqException;
import io.rabitq.core.RotationKind;
import io.rabitq.lake.IndexBundles;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

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

    private final String uid;
    private final NeighborParamSet shared;
    private final Codebook codebook;
    private final BooleanParam storeRaw;
    private final int calibratedNprobe;

    /** @param calibratedNprobe the measured default nprobe ({@link Codebook#calibrateNprobe}), 0 for none */
    RabitqModel(String uid, Codebook codebook, int calibratedNprobe) {
        this.uid = uid;
        this.calibratedNprobe = calibratedNprobe;
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
     * with {@code nprobe}. One row per query: {@code (query_id, neighbors)}.
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
        return copyValues(new RabitqModel(uid, codebook, calibratedNprobe), extra).setParent(parent());
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

    /** Manifest param: the indexed rows' mean squared distance to their centroid. */
    public static final String MEAN_RESIDUAL_PARAM = "mean_residual_sq";

    /** {@link #index}, publishing with {@code publish} (e.g. only over the generation a re-index started from). */
    Manifest index(Dataset<Row> df, String bundleDir, int partitions, IndexBundles.Source source,
                   java.util.function.Function<GenerationWriter, Manifest> publish) {
        Dataset<Row> rows = VectorColumns.select(df, getIdCol(), getInputCol());
        if (partitions < 1) {
            throw new InvalidInputException("partitions must be >= 1 but was " + partitions);
        }
        BundleSpec spec = IndexBundles.ivfSpec(codebook, getStoreRaw(), calibratedNprobe, source);
        SparkContext sc = df.sparkSession().sparkContext();
        Broadcast<Codebook> book = JavaSparkContext.fromSparkContext(sc).broadcast(codebook);
        Dataset<Row> assigned = assign(rows, book);
        try (GenerationWriter g = GenerationWriter.begin(Path.of(bundleDir), spec)) {
            Dataset<Row> cached = assigned.persist(StorageLevel.MEMORY_AND_DISK()); // may evaluate eagerly
            g.writeCentroids(codebook.centroids());
            ClusterStats stats = ClusterStats.of(cached, codebook.nlist(), "index: assign rows to clusters");
            writePartitions(cached, ClusterPartitioner.balanced(stats.rows(), partitions), book, g, 0, WRITE_PHASE);
            g.param(MEAN_RESIDUAL_PARAM, stats.meanResidualText());
            return publish.apply(g);
        } catch (Exception e) { // Spark rethrows task failures (checked SparkException included) from collect
            throw unwrap(e);
        } finally {
            assigned.unpersist();
        }
    }

    private static final StructType ASSIGNED = new StructType()
            .add("cluster", DataTypes.IntegerType, false).add("residual_sq", DataTypes.DoubleType, false);

    /**
     * {@code rows} (id, vector) with two more columns: {@code cluster}, each vector's nearest centroid, and
     * {@code residual_sq}, its squared distance to it.
     */
    static Dataset<Row> assign(Dataset<Row> rows, Broadcast<Codebook> book) {
        UDF2<Object, scala.collection.Seq<Object>, Row> assignUdf = (id, vector) -> {
            Codebook b = book.value();
            float[] prepared = b.prepare("vector of row " + id, VectorColumns.toFloats(vector, b.dim(), id));
            int cluster = b.assign(prepared);
            return org.apache.spark.sql.RowFactory.create(cluster, b.residualSq(cluster, prepared));
        };
        return rows.withColumn("a", udf(assignUdf, ASSIGNED).apply(col("id"), col("vector")))
                .select(col("id"), col("vector"), col("a.cluster").as("cluster"), col("a.residual_sq").as("residual_sq"));
    }

    /** Rows per cluster and the mean squared distance to their centroid, of rows from {@link #assign}. */
    record ClusterStats(long[] rows, double meanResidualSq) {
        static ClusterStats of(Dataset<Row> assigned, int nlist, String phase) {
            long[] counts = new long[nlist];
            double sum = 0;
            List<Row> byCluster = JobPhase.run(assigned.sparkSession().sparkContext(), phase, () -> assigned.groupBy("cluster")
                    .agg(org.apache.spark.sql.functions.count("*"), org.apache.spark.sql.functions.sum("residual_sq"))
                    .orderBy("cluster").collectAsList());
            for (Row r : byCluster) {
                counts[r.getInt(0)] = r.getLong(1);
                sum += r.getDouble(2);
            }
            long total = Arrays.stream(counts).sum();
            return new ClusterStats(counts, total == 0 ? 0 : sum / total);
        }

        long total() {
            return Arrays.stream(rows).sum();
        }

        /** The mean to 6 significant digits: Spark sums in no fixed order, and the manifest must not depend on it. */
        String meanResidualText() {
            return String.format(java.util.Locale.ROOT, "%.6g", meanResidualSq);
        }
    }

    /**
     * Quantizes rows (id, vector, cluster, ...) into partition files: partition {@code firstNumber + s} holds the clusters
     * {@code partitioner} sends to slot {@code s}, sorted by (cluster, id). The files are added to {@code g}.
     */
    static void writePartitions(Dataset<Row> assigned, ClusterPartitioner partitioner, Broadcast<Codebook> book,
                                   GenerationWriter g, int firstNumber, String phase) {
        SparkContext sc = assigned.sparkSession().sparkContext();
        WritePartition writer = new WritePartition(book, g.workDirectory().toString(), g.spec(), firstNumber);
        List<TaskOutput> outputs = JobPhase.run(sc, phase, () -> assigned.javaRDD()
                .mapToPair(r -> new Tuple2<>(new ClusterKey(r.getInt(2), VectorColumns.id(r)), r))
                .repartitionAndSortWithinPartitions(partitioner)
                .mapPartitions(writer)
                .collect());
        for (TaskOutput o : outputs) {
            g.addPartition(o.number(), o.entry());
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

    /** What a task reports to the driver: its partition number and the file it wrote. */
    record TaskOutput(int number, Manifest.PartitionEntry entry) implements Serializable {
    }

    /** The per-task writer: encodes each cluster's rows and streams them into the task's partition file. */
    private static final class WritePartition implements FlatMapFunction<Iterator<Tuple2<ClusterKey, Row>>, TaskOutput> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<Codebook> codebook;
        private final String workDir;
        private final BundleSpec spec;
        private final int firstNumber;

        WritePartition(Broadcast<Codebook> codebook, String workDir, BundleSpec spec, int firstNumber) {
            this.codebook = codebook;
            this.workDir = workDir;
            this.spec = spec;
            this.firstNumber = firstNumber;
        }

        @Override
        public Iterator<TaskOutput> call(Iterator<Tuple2<ClusterKey, Row>> rows) {
            Codebook book = codebook.value();
            TaskContext ctx = TaskContext.get();
            int number = firstNumber + ctx.partitionId();
            PartitionWriter w = PartitionWriter.forTask(Path.of(workDir), number, "attempt-" + ctx.taskAttemptId(), spec);
            try {
                ClusterBuffer buffer = new ClusterBuffer(book, w, spec.hasRaw());
                while (rows.hasNext()) {
                    Row r = rows.next()._2();
                    long id = VectorColumns.id(r);
                    buffer.add(r.getInt(2), id, book.prepare("vector of row " + id, VectorColumns.read(r, 1, book.dim(), id)));
                }
                buffer.flush();
            } catch (RuntimeException | Error e) {
                w.abort(); // a failed attempt must never rename a partial file into place
                throw e;
            }
            w.close();
            return Collections.singletonList(new TaskOutput(number, w.entry())).iterator();
        }
    }

    /** Collects the rows of one cluster at a time (rows arrive sorted by cluster) and encodes each cluster once. */
    private static final class ClusterBuffer {
        private final Codebook book;
        private final PartitionWriter out;
        private final List<Long> ids = new ArrayList<>();
        private final List<float[]> vectors = new ArrayList<>();
        private final boolean keepRaw;
        private int cluster = -1;

        ClusterBuffer(Codebook book, PartitionWriter out, boolean keepRaw) {
            this.book = book;
            this.out = out;
            this.keepRaw = keepRaw;
        }

        void add(int c, long id, float[] prepared) {
            if (c != cluster) {
                flush();
                cluster = c;
            }
            ids.add(id);
            vectors.add(prepared);
        }

        void flush() {
            if (ids.isEmpty()) {
                return;
            }
            int dim = book.dim();
            long[] idArray = new long[ids.size()];
            float[] flat = new float[ids.size() * dim];
            for (int i = 0; i < idArray.length; i++) {
                idArray[i] = ids.get(i);
                System.arraycopy(vectors.get(i), 0, flat, i * dim, dim);
            }
            IndexBundles.appendCluster(out, cluster, book.encode(cluster, idArray, flat, keepRaw), dim, book.codeBits(), book.bits());
            ids.clear();
            vectors.clear();
        }
    }
}
