package io.rabitq.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.rabitq.bundle.BundleSpec;
import io.rabitq.bundle.GenerationWriter;
import io.rabitq.bundle.Manifest;
import io.rabitq.bundle.PartitionWriter;
import io.rabitq.core.Codebook;
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
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * The Spark pipeline that turns rows into partition files of a generation, shared by {@code index} (every row) and
 * {@code reindex} (inserted rows): assign each vector to its nearest centroid, count rows per cluster, then sort by
 * (cluster, id) into the partitions a {@link ClusterPartitioner} chooses, each task encoding its clusters and streaming
 * them into its own file.
 */
final class PartitionFiles {
    private PartitionFiles() {
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
            return RowFactory.create(cluster, b.residualSq(cluster, prepared));
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
                    .agg(functions.count("*"), functions.sum("residual_sq"))
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
    static void write(Dataset<Row> assigned, ClusterPartitioner partitioner, Broadcast<Codebook> book,
                                   GenerationWriter g, int firstNumber, String phase) {
        SparkContext sc = assigned.sparkSession().sparkContext();
        LongAccumulator written = sc.longAccumulator("rabitq rows written");
        WritePartition writer = new WritePartition(book, g.workDirectory().toString(), g.spec(), firstNumber, written);
        List<TaskOutput> outputs = JobPhase.runCounted(sc, phase, written, () -> assigned.javaRDD()
                .mapToPair(r -> new Tuple2<>(new ClusterKey(r.getInt(2), VectorColumns.id(r)), r))
                .repartitionAndSortWithinPartitions(partitioner)
                .mapPartitions(writer)
                .collect());
        for (TaskOutput o : outputs) {
            g.addPartition(o.number(), o.entry());
        }
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
        private final LongAccumulator written;

        WritePartition(Broadcast<Codebook> codebook, String workDir, BundleSpec spec, int firstNumber, LongAccumulator written) {
            this.codebook = codebook;
            this.workDir = workDir;
            this.spec = spec;
            this.firstNumber = firstNumber;
            this.written = written;
        }

        @Override
        public Iterator<TaskOutput> call(Iterator<Tuple2<ClusterKey, Row>> rows) {
            Codebook book = codebook.value();
            TaskContext ctx = TaskContext.get();
            int number = firstNumber + ctx.partitionId();
            PartitionWriter w = PartitionWriter.forTask(Path.of(workDir), number, "attempt-" + ctx.taskAttemptId(), spec);
            try {
                ClusterBuffer buffer = new ClusterBuffer(book, w, IndexBundles.foldsCentroids(spec.params()), spec.hasRaw(), written);
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
        private final boolean foldCentroids;
        private final boolean keepRaw;
        private final LongAccumulator written; // progress: rows encoded and written so far
        private int cluster = -1;

        ClusterBuffer(Codebook book, PartitionWriter out, boolean foldCentroids, boolean keepRaw, LongAccumulator written) {
            this.book = book;
            this.out = out;
            this.foldCentroids = foldCentroids;
            this.keepRaw = keepRaw;
            this.written = written;
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
            IndexBundles.appendCluster(out, cluster, book.encode(cluster, idArray, flat, foldCentroids, keepRaw), dim, book.codeBits(), book.bits());
            written.add(idArray.length);
            ids.clear();
            vectors.clear();
        }
    }
}
