package io.rabitq.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.rabitq.bundle.BundleSpec;
import io.rabitq.bundle.GenerationWriter;
import io.rabitq.bundle.Manifest;
import io.rabitq.bundle.PartitionWriter;
import io.rabitq.core.CentroidTable;
import io.rabitq.core.IndexSnapshot;
import io.rabitq.core.Kernels;
import io.rabitq.core.Metric;
import io.rabitq.core.RabitqQuantizer;
import io.rabitq.core.Rotation;
import io.rabitq.core.RotationKind;
import io.rabitq.core.Vectors;
import io.rabitq.lake.IndexBundles;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;

/**
 * A trained quantizer: IVF centroids plus the rotation (kind, seed, dimension). {@link #index} quantizes a
 * DataFrame into a bundle with one partition file per Spark task. Serializable, so tasks get it by broadcast;
 * persisted like Spark ML models: {@code model.write().overwrite().save(path)}, {@code RabitqModel.load(path)}.
 */
public final class RabitqModel implements Serializable, MLWritable {
    private static final long serialVersionUID = 1L;
    /** Local property that makes the first attempt of every index task fail half-way (tests of the commit protocol). */
    static final String FAIL_FIRST_ATTEMPT = "rabitq.test.failFirstAttempt";

    private final String idCol;
    private final String inputCol;
    private final int dim;
    private final Metric metric;
    private final RotationKind rotation;
    private final long seed;
    private final int codeBits;
    private final float[] centroids;
    private final int nlist;
    private transient RabitqQuantizer quantizer;
    private transient CentroidTable centroidTable;

    RabitqModel(String idCol, String inputCol, int dim, Metric metric, RotationKind rotation, long seed, int codeBits,
                float[] centroids, int nlist) {
        this.idCol = idCol;
        this.inputCol = inputCol;
        this.dim = dim;
        this.metric = metric;
        this.rotation = rotation;
        this.seed = seed;
        this.codeBits = codeBits;
        this.centroids = centroids;
        this.nlist = nlist;
    }

    public int dim() {
        return dim;
    }

    public String idCol() {
        return idCol;
    }

    public String inputCol() {
        return inputCol;
    }

    public RotationKind rotation() {
        return rotation;
    }

    public long seed() {
        return seed;
    }

    /** Padded code length in bits (the rotation's output dimension). */
    public int codeBits() {
        return codeBits;
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

    public int nlist() {
        return nlist;
    }

    public Metric metric() {
        return metric;
    }

    /** Centroids, {@code nlist * dim} floats row-major (a copy). */
    public float[] centroids() {
        return centroids.clone();
    }

    private synchronized RabitqQuantizer quantizer() {
        if (quantizer == null) {
            quantizer = new RabitqQuantizer(Rotation.create(rotation, seed, dim, codeBits), metric == Metric.INNER_PRODUCT, false);
        }
        return quantizer;
    }

    /** The vector as the index stores it: validated, normalized for cosine. */
    float[] prepare(float[] v, Object id) {
        return metric == Metric.COSINE ? Vectors.normalized("vector of row " + id, v) : v;
    }

    int assign(float[] prepared) {
        return centroidTable().nearest(prepared, Kernels.scan());
    }

    private synchronized CentroidTable centroidTable() {
        if (centroidTable == null) {
            centroidTable = new CentroidTable(centroids, nlist, dim);
        }
        return centroidTable;
    }

    /**
     * Quantizes every row of {@code df} into a new generation of the bundle at {@code bundleDir}: rows are
     * assigned to their nearest centroid, whole clusters are split into {@code partitions} contiguous ranges
     * balanced by row count (computed on the driver, so the layout depends only on the data), each task sorts its
     * rows by (cluster, id) and writes its partition file; the driver then writes the manifest and publishes atomically. A failed job
     * publishes nothing; retried or speculative tasks write identical files, so rows are never lost or doubled.
     */
    public Manifest index(Dataset<Row> df, String bundleDir, int partitions, IndexBundles.Source source) {
        Dataset<Row> rows = VectorColumns.select(df, idCol, inputCol);
        if (partitions < 1) {
            throw new InvalidInputException("partitions must be >= 1 but was " + partitions);
        }
        BundleSpec spec = IndexBundles.spec("ivf", Map.of("nprobe", "0"), dim, metric, rotation, seed, codeBits, false, nlist, true, source);
        org.apache.spark.api.java.JavaSparkContext jsc =
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        Broadcast<RabitqModel> model = jsc.broadcast(this);
        UDF2<Object, scala.collection.Seq<Object>, Integer> assignUdf = (id, vector) -> {
            RabitqModel m = model.value();
            return m.assign(m.prepare(VectorColumns.toFloats(vector, m.dim, id), id));
        };
        Dataset<Row> assigned = rows
                .withColumn("cluster", udf(assignUdf, DataTypes.IntegerType).apply(col("id"), col("vector")));
        try (GenerationWriter g = GenerationWriter.begin(Path.of(bundleDir), spec)) {
            assigned = assigned.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()); // may evaluate eagerly
            g.writeCentroids(centroids);
            long[] counts = new long[nlist];
            for (Row r : assigned.groupBy("cluster").count().collectAsList()) {
                counts[r.getInt(0)] = r.getLong(1);
            }
            ClusterRangePartitioner partitioner = ClusterRangePartitioner.balanced(counts, partitions);
            List<TaskOutput> outputs = assigned.javaRDD()
                    .mapToPair(r -> new scala.Tuple2<>(new ClusterKey(r.getInt(2), VectorColumns.id(r)), r))
                    .repartitionAndSortWithinPartitions(partitioner)
                    .mapPartitions(new WritePartition(model, g.workDirectory().toString(), spec))
                    .collect();
            for (TaskOutput o : outputs) {
                g.addPartition(o.number(), o.entry());
            }
            return g.publish();
        } catch (Exception e) { // Spark rethrows task failures (checked SparkException included) from collect
            throw unwrap(e);
        } finally {
            assigned.unpersist();
        }
    }

    /** Surfaces our own error from inside a failed Spark job, so callers see what to fix. */
    static RuntimeException unwrap(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidInputException || t instanceof io.rabitq.core.RabitqException) {
                return (RuntimeException) t;
            }
        }
        return e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e.getMessage(), e);
    }

    /** What a task reports to the driver: its partition number and the file it wrote. */
    public record TaskOutput(int number, Manifest.PartitionEntry entry) implements Serializable {
    }

    /** The per-task writer: encodes each cluster's rows and streams them into the task's partition file. */
    private static final class WritePartition
            implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<scala.Tuple2<ClusterKey, Row>>, TaskOutput> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<RabitqModel> model;
        private final String workDir;
        private final BundleSpec spec;

        WritePartition(Broadcast<RabitqModel> model, String workDir, BundleSpec spec) {
            this.model = model;
            this.workDir = workDir;
            this.spec = spec;
        }

        @Override
        public Iterator<TaskOutput> call(Iterator<scala.Tuple2<ClusterKey, Row>> rows) {
            RabitqModel m = model.value();
            TaskContext ctx = TaskContext.get();
            int number = ctx.partitionId();
            boolean failHalfWay = "true".equals(ctx.getLocalProperty(FAIL_FIRST_ATTEMPT)) && ctx.attemptNumber() == 0;
            int words = m.codeBits / 64;
            PartitionWriter w = PartitionWriter.forTask(Path.of(workDir), number, "attempt-" + ctx.taskAttemptId(), spec);
            try {
                int cluster = -1;
                List<Long> ids = new ArrayList<>();
                List<float[]> vectors = new ArrayList<>();
                long seen = 0;
                while (rows.hasNext()) {
                    Row r = rows.next()._2();
                    int c = r.getInt(2);
                    if (c != cluster && !ids.isEmpty()) {
                        flush(m, w, cluster, ids, vectors, words);
                    }
                    cluster = c;
                    long id = VectorColumns.id(r);
                    ids.add(id);
                    vectors.add(m.prepare(VectorColumns.read(r, 1, m.dim, id), id));
                    if (failHalfWay && ++seen == 100) {
                        throw new IllegalStateException("test hook: first attempt of task " + number + " fails half-way");
                    }
                }
                if (!ids.isEmpty()) {
                    flush(m, w, cluster, ids, vectors, words);
                }
            } catch (RuntimeException | Error e) {
                w.abort(); // a failed attempt must never rename a partial file into place
                throw e;
            }
            w.close();
            return Collections.singletonList(new TaskOutput(number, w.entry())).iterator();
        }

        private static void flush(RabitqModel m, PartitionWriter w, int cluster, List<Long> ids, List<float[]> vectors, int words) {
            long[] idArray = new long[ids.size()];
            float[] flat = new float[ids.size() * m.dim];
            for (int i = 0; i < idArray.length; i++) {
                idArray[i] = ids.get(i);
                System.arraycopy(vectors.get(i), 0, flat, i * m.dim, m.dim);
            }
            float[] centroid = java.util.Arrays.copyOfRange(m.centroids, cluster * m.dim, (cluster + 1) * m.dim);
            IndexSnapshot.Cluster encoded = m.quantizer().encodeCluster(centroid, idArray, flat, true);
            IndexBundles.appendCluster(w, cluster, encoded, m.dim, words);
            ids.clear();
            vectors.clear();
        }
    }
}
