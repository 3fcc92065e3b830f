package io.rabitq.spark;

import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.PreparedQueries;
import io.rabitq.core.QuantizedIndex;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * The plan of {@link RabitqSearch#searchBatch}, lazy and streaming (no query reaches the driver). Each query is
 * prepared once in the task that reads it: checked, rotated, and its probed clusters chosen from all centroids (the
 * single-process index's choice).
 * <ul>
 *   <li><b>One shard</b> (the bundle fits a task's budget, see {@link RabitqSearch#SHARD_BYTES_CONF}): the same task
 *   searches the whole generation, so each answer is the single-process index's. Inputs with fewer partitions than
 *   the cores are spread first.</li>
 *   <li><b>Several shards</b>: prepared queries are shuffled into query partitions (so the preparation is stored once
 *   and read by every shard); one task per (query partition, shard) searches that shard's clusters with its own
 *   error-bound gate from an empty heap and sends each query's k best; a merge per query keeps the k best of all shards,
 *   ordered by (distance, id). While the error bounds hold, a shard reranks at least what the whole index would rerank
 *   among its rows, so at every rank the distance is no worse than the single-process answer's, and the answer is the
 *   same whenever no error bound fails.</li>
 * </ul>
 */
final class BatchSearch {
    private static final String ROW = "__rabitq_row";
    private static final int BATCH = 4096;

    private BatchSearch() {
    }

    /**
     * What the tasks search: a verified generation, its shards, k, the probes (0: the bundle's default) and the
     * identity of the codebook that prepares the queries.
     */
    record Plan(String bundleDir, String generation, String witness, List<int[]> shards, int k, int nprobe, int dim, String codebook)
            implements Serializable {
        /** The clusters probed per query: the plan's nprobe, or the bundle's default. */
        int nprobe(IvfRabitqIndex index) {
            return nprobe > 0 ? nprobe : index.nprobe();
        }
    }

    /**
     * The search of {@code keyed}: {@code (id bigint, vector array<float|double>, others...)}; returns
     * {@code (query_id, neighbors, others...)}, one row per input row.
     */
    static Dataset<Row> run(Dataset<Row> keyed, Plan plan) {
        StructType in = keyed.schema();
        DataType element = ((ArrayType) in.apply(1).dataType()).elementType();
        StructField[] others = Arrays.copyOfRange(in.fields(), 2, in.size());
        StructType columns = with(new StructType().add("query_id", DataTypes.LongType, false), others); // the query's own columns
        StructType prepared = columns.add(ROW, DataTypes.LongType, false)
                .add("__rabitq_vector", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("__rabitq_rotated", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("__rabitq_probes", DataTypes.createArrayType(DataTypes.IntegerType, false), true);
        StructType out = with(new StructType().add("query_id", DataTypes.LongType, false)
                .add("neighbors", RabitqSearch.RESULT_SCHEMA.apply("neighbors").dataType(), false), others);
        int shards = plan.shards().size();
        int parallelism = keyed.sparkSession().sparkContext().defaultParallelism();
        JavaRDD<InternalRow> input = ((org.apache.spark.sql.classic.Dataset<Row>) keyed).queryExecution().toRdd().toJavaRDD();
        JavaRDD<InternalRow> answers;
        if (shards == 1) {
            if (input.getNumPartitions() < parallelism) {
                input = input.map(InternalRow::copy).repartition(parallelism);
            }
            answers = input.mapPartitions(part -> wholeIndex(part, plan, element, columns));
        } else {
            int queryParts = Math.max(1, (2 * parallelism + shards - 1) / shards);
            JavaRDD<InternalRow> stored = input
                    .mapPartitionsWithIndex((part, rows) -> prepare(part, rows, plan, element, prepared), false)
                    .mapToPair(r -> new Tuple2<>(r.getLong(columns.size()), r))
                    .partitionBy(new HashPartitioner(queryParts))
                    .values();
            JavaPairRDD<Long, Answer> scanned = null;
            for (int s = 0; s < shards; s++) {
                int shard = s;
                JavaPairRDD<Long, Answer> one = stored.mapPartitionsToPair(rows -> new ShardScan(rows, plan, shard, prepared, columns.size()));
                scanned = scanned == null ? one : scanned.union(one);
            }
            answers = scanned.reduceByKey((x, y) -> x.merge(y, plan.k()), queryParts).values()
                    .map(a -> resultRow(a.query(), 1, a, columns));
        }
        return ((org.apache.spark.sql.classic.SparkSession) keyed.sparkSession()).internalCreateDataFrame(answers.rdd(), out, false).toDF();
    }

    /** Prepares the queries of a task and searches them in the whole generation: the single-process answer. */
    private static Iterator<InternalRow> wholeIndex(Iterator<InternalRow> in, Plan plan, DataType element, StructType columns) {
        QuantizedIndex index = ExecutorIndexCache.partitions(plan.bundleDir(), plan.generation(), plan.witness(), plan.shards().get(0));
        return new Batches<>(in) {
            @Override
            List<InternalRow> search(List<InternalRow> batch) {
                float[][] vectors = vectors(batch, element, plan);
                Neighbor[][] found = index instanceof IvfRabitqIndex ivf
                        ? ivf.searchBatch(vectors, plan.k(), plan.nprobe(ivf)) : index.searchBatch(vectors, plan.k());
                List<InternalRow> out = new ArrayList<>(found.length);
                for (int i = 0; i < found.length; i++) {
                    out.add(resultRow(batch.get(i), 2, Answer.of(null, found[i]), columns));
                }
                return out;
            }
        };
    }

    /** The checked vectors of a batch of input rows {@code (id, vector, others...)}. */
    private static float[][] vectors(List<InternalRow> batch, DataType element, Plan plan) {
        float[][] vectors = new float[batch.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = vector(batch.get(i), element, plan);
        }
        return vectors;
    }

    /** A batch of input rows {@code (id, vector, others...)} checked and prepared by {@code index}, with their probes. */
    private static PreparedQueries prepare(QuantizedIndex index, List<InternalRow> batch, DataType element, Plan plan) {
        float[][] vectors = vectors(batch, element, plan);
        return index instanceof IvfRabitqIndex ivf
                ? ivf.prepare(vectors, plan.nprobe(ivf)) : index.prepare(vectors);
    }

    /** {@code head} followed by {@code fields}. */
    private static StructType with(StructType head, StructField[] fields) {
        for (StructField f : fields) {
            head = head.add(f);
        }
        return head;
    }

    /**
     * {@code (query_id, neighbors, others...)} from a row holding the query id at 0 and its other columns from
     * {@code firstOther} on.
     */
    private static InternalRow resultRow(InternalRow query, int firstOther, Answer answer, StructType columns) {
        Object[] values = new Object[columns.size() + 1];
        values[0] = query.getLong(0);
        Object[] neighbors = new Object[answer.ids().length];
        for (int i = 0; i < neighbors.length; i++) {
            neighbors[i] = new GenericInternalRow(new Object[] {answer.ids()[i], answer.distances()[i]});
        }
        values[1] = new GenericArrayData(neighbors);
        for (int c = 1; c < columns.size(); c++) {
            values[c + 1] = query.get(firstOther + c - 1, columns.apply(c).dataType());
        }
        return new GenericInternalRow(values);
    }

    /**
     * Stage one: the rows of one input partition as {@code prepared} rows, made ready in batches. The row key is
     * {@code monotonically_increasing_id}'s: the partition in the upper bits, the row's position in the lower.
     */
    private static Iterator<InternalRow> prepare(int part, Iterator<InternalRow> rows, Plan plan, DataType element, StructType prepared) {
        QuantizedIndex router = ExecutorIndexCache.partitions(plan.bundleDir(), plan.generation(), plan.witness(), new int[0]);
        UnsafeProjection unsafe = UnsafeProjection.create(prepared);
        int passed = prepared.size() - 4;
        return new Batches<>(rows) {
            private long next = (long) part << 33;

            @Override
            List<InternalRow> search(List<InternalRow> batch) {
                PreparedQueries q = prepare(router, batch, element, plan);
                List<InternalRow> out = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    InternalRow r = batch.get(i);
                    Object[] values = new Object[prepared.size()];
                    values[0] = r.getLong(0);
                    for (int c = 1; c < passed; c++) {
                        values[c] = r.get(c + 1, prepared.apply(c).dataType());
                    }
                    values[passed] = next++;
                    values[passed + 1] = UnsafeArrayData.fromPrimitiveArray(q.vector(i));
                    values[passed + 2] = UnsafeArrayData.fromPrimitiveArray(q.rotated(i));
                    values[passed + 3] = q.probes(i) == null ? null : UnsafeArrayData.fromPrimitiveArray(q.probes(i));
                    out.add(unsafe.apply(new GenericInternalRow(values)).copy());
                }
                return out;
            }
        };
    }

    /** The query vector of a stage-one input row, checked: not null, the bundle's dimension, finite components. */
    private static float[] vector(InternalRow r, DataType element, Plan plan) {
        if (r.isNullAt(0)) {
            throw new InvalidInputException("a query row has a null id; every query needs a bigint id");
        }
        long id = r.getLong(0);
        if (r.isNullAt(1)) {
            throw new InvalidInputException("query " + id + " has a null vector; filter nulls out first");
        }
        ArrayData a = r.getArray(1);
        if (a.numElements() != plan.dim()) {
            throw new InvalidInputException("query " + id + " has dimension " + a.numElements() + " but the bundle " + plan.bundleDir()
                    + " has dimension " + plan.dim() + "; search with vectors of the indexed dimension");
        }
        for (int d = 0; d < plan.dim(); d++) {
            if (a.isNullAt(d)) {
                throw new InvalidInputException("query " + id + " has a null component at index " + d);
            }
        }
        float[] v = element.equals(DataTypes.FloatType) ? a.toFloatArray() : toFloats(a.toDoubleArray());
        for (int d = 0; d < v.length; d++) {
            if (!Float.isFinite(v[d])) {
                throw new InvalidInputException("query " + id + " has a non-finite component " + v[d] + " at index " + d
                        + "; clean NaN/Infinity values first");
            }
        }
        return v;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int d = 0; d < out.length; d++) {
            out[d] = (float) values[d];
        }
        return out;
    }

    /** Stage two: one query partition searched in one shard, each query's k best of it keyed by the query's row key. */
    private static final class ShardScan extends Batches<Tuple2<Long, Answer>> {
        private final Plan plan;
        private final int shard;
        private final int passed;
        private final UnsafeProjection columns;

        ShardScan(Iterator<InternalRow> rows, Plan plan, int shard, StructType prepared, int passed) {
            super(rows);
            this.plan = plan;
            this.shard = shard;
            this.passed = passed;
            this.columns = UnsafeProjection.create(new StructType(Arrays.copyOf(prepared.fields(), passed)));
        }

        @Override
        List<Tuple2<Long, Answer>> search(List<InternalRow> batch) {
            QuantizedIndex index = ExecutorIndexCache.partitions(plan.bundleDir(), plan.generation(), plan.witness(),
                    plan.shards().get(shard));
            int n = batch.size();
            float[][] vectors = new float[n][];
            float[][] rotated = new float[n][];
            int[][] probes = batch.get(0).isNullAt(passed + 3) ? null : new int[n][];
            for (int i = 0; i < n; i++) {
                InternalRow r = batch.get(i);
                vectors[i] = r.getArray(passed + 1).toFloatArray();
                rotated[i] = r.getArray(passed + 2).toFloatArray();
                if (probes != null) {
                    probes[i] = r.getArray(passed + 3).toIntArray();
                }
            }
            Neighbor[][] found = index.searchBatch(PreparedQueries.of(vectors, rotated, probes, plan.codebook()), plan.k());
            List<Tuple2<Long, Answer>> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                InternalRow r = batch.get(i);
                // the query's own columns travel once, with shard 0's answer
                out.add(new Tuple2<>(r.getLong(passed), Answer.of(shard == 0 ? columns.apply(r).copy() : null, found[i])));
            }
            return out;
        }
    }

    /**
     * A query's k best of some parts of an index, by (distance, id), and (in a sharded search, from shard 0) the query's
     * own columns; {@link ExactSearch} merges its partitions' answers with it too.
     */
    record Answer(InternalRow query, long[] ids, float[] distances) implements Serializable {
        static Answer of(InternalRow query, Neighbor[] best) {
            long[] ids = new long[best.length];
            float[] distances = new float[best.length];
            for (int i = 0; i < best.length; i++) {
                ids[i] = best[i].id();
                distances[i] = best[i].distance();
            }
            return new Answer(query, ids, distances);
        }

        Answer merge(Answer o, int k) {
            int n = Math.min(k, ids.length + o.ids.length);
            long[] mi = new long[n];
            float[] md = new float[n];
            int a = 0;
            int b = 0;
            for (int i = 0; i < n; i++) {
                boolean mine = b >= o.ids.length || (a < ids.length && (distances[a] < o.distances[b]
                        || (distances[a] == o.distances[b] && ids[a] <= o.ids[b])));
                mi[i] = mine ? ids[a] : o.ids[b];
                md[i] = mine ? distances[a++] : o.distances[b++];
            }
            return new Answer(query != null ? query : o.query, mi, md);
        }

        /** The neighbours as external rows {@code (id, distance)}, for a {@code Row}-based DataFrame. */
        Row[] neighbors() {
            Row[] rows = new Row[ids.length];
            for (int i = 0; i < ids.length; i++) {
                rows[i] = RowFactory.create(ids[i], distances[i]);
            }
            return rows;
        }
    }

    /** A task's rows in batches of {@value #BATCH}, each batch turned into output rows by {@link #search}. */
    private abstract static class Batches<T> implements Iterator<T> {
        private final Iterator<InternalRow> rows;
        private Iterator<T> pending = java.util.Collections.emptyIterator();

        Batches(Iterator<InternalRow> rows) {
            this.rows = rows;
        }

        abstract List<T> search(List<InternalRow> batch);

        @Override
        public boolean hasNext() {
            while (!pending.hasNext() && rows.hasNext()) {
                List<InternalRow> batch = new ArrayList<>(BATCH);
                while (batch.size() < BATCH && rows.hasNext()) {
                    batch.add(rows.next().copy());
                }
                pending = search(batch).iterator();
            }
            return pending.hasNext();
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return pending.next();
        }
    }
}
