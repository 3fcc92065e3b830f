package io.rabitq.spark;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RerankLog;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Distributed batch search of a bundle: the driver chooses each query's probed clusters once from all
 * centroids (exactly as the single-process index does) and broadcasts them with the queries; one task per bundle
 * partition scans the probed clusters it holds and returns, per query, the rerank log of its part (for IVF
 * bundles; else its top-k); the driver replays the logs of all parts per query (or, for large batches, a shuffle
 * merges them), which reproduces the single-process answer exactly. The result is
 * {@code (query_id bigint, neighbors array<struct<id:bigint, distance:float>>)} — a row for every query, with an
 * empty array when nothing was found.
 */
public final class RabitqSearch {
    /** Output schema of {@link #searchBatch}. */
    public static final StructType RESULT_SCHEMA = new StructType()
            .add("query_id", DataTypes.LongType, false)
            .add("neighbors", DataTypes.createArrayType(new StructType()
                    .add("id", DataTypes.LongType, false).add("distance", DataTypes.FloatType, false), false), false);

    /** Spark conf: queries per broadcast chunk (each chunk is one scan job). */
    public static final String QUERY_CHUNK_CONF = "spark.rabitq.search.queryChunkSize";
    static final long DEFAULT_QUERY_CHUNK = 100_000;
    /**
     * Spark conf: chunks with up to this many partial hits (queries x partitions x k) are merged on the driver;
     * larger ones in a shuffle.
     */
    public static final String DRIVER_MERGE_CONF = "spark.rabitq.search.driverMergeMaxHits";
    static final long DEFAULT_DRIVER_MERGE_MAX_HITS = 2_000_000;

    private RabitqSearch() {
    }

    /**
     * Searches {@code bundleDir} for the {@code k} nearest neighbours of every row of {@code queries}.
     *
     * @param nprobe clusters probed per query (IVF bundles); 0 uses the bundle's default
     */
    public static Dataset<Row> searchBatch(Dataset<Row> queries, String idCol, String vectorCol, String bundleDir, int k, int nprobe) {
        if (k < 1) {
            throw new InvalidInputException("k must be >= 1 but was " + k);
        }
        if (nprobe < 0) {
            throw new InvalidInputException("nprobe must be >= 1 (or 0 for the default) but was " + nprobe);
        }
        Dataset<Row> queryRows = VectorColumns.select(queries, idCol, vectorCol);
        Manifest m;
        String generation;
        QuantizedIndex router; // all centroids, no rows: chooses the probes once for the whole index
        try (Bundle b = openVerified(bundleDir)) {
            m = b.manifest();
            generation = b.generation();
            router = ExecutorIndexCache.centroids(bundleDir, b);
        } catch (BundleException e) {
            throw new InvalidInputException("bundle " + bundleDir + " cannot be searched: " + e.getMessage(), e);
        }
        List<Row> rows = queryRows.collectAsList();
        long[] qids = new long[rows.size()];
        float[][] qvec = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            qids[i] = VectorColumns.id(r);
            if (!r.isNullAt(1) && r.getList(1).size() != m.dim()) {
                throw new InvalidInputException("query " + qids[i] + " has dimension " + r.getList(1).size() + " but the bundle "
                        + bundleDir + " has dimension " + m.dim() + "; search with vectors of the indexed dimension");
            }
            qvec[i] = VectorColumns.read(r, 1, m.dim(), qids[i]);
        }
        int[][] probes = null;
        if (router instanceof IvfRabitqIndex ivf) {
            probes = ivf.probes(qvec, nprobe > 0 ? nprobe : ivf.nprobe());
        }
        SparkSession spark = queries.sparkSession();
        int chunk = (int) Math.min(Integer.MAX_VALUE, positiveConf(spark, QUERY_CHUNK_CONF, DEFAULT_QUERY_CHUNK));
        long driverMergeMax = positiveConf(spark, DRIVER_MERGE_CONF, DEFAULT_DRIVER_MERGE_MAX_HITS);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Row> merged = new ArrayList<>();
        Dataset<Row> shuffled = null;
        try {
            for (int from = 0; from < qids.length; from += chunk) {
                int to = Math.min(qids.length, from + chunk);
                long[] chunkIds = Arrays.copyOfRange(qids, from, to);
                JavaRDD<Partial[]> answers = partitionAnswers(jsc, bundleDir, generation, m, chunkIds,
                        Arrays.copyOfRange(qvec, from, to), probes == null ? null : Arrays.copyOfRange(probes, from, to), k);
                if ((long) (to - from) * m.partitions().size() * k <= driverMergeMax) {
                    merged.addAll(mergeOnDriver(chunkIds, answers.collect(), k)); // small batches: no shuffle stage
                } else {
                    Dataset<Row> part = spark.createDataFrame(answers
                            .flatMapToPair(a -> {
                                List<Tuple2<Long, Partial>> byQuery = new ArrayList<>(a.length);
                                for (int j = 0; j < a.length; j++) {
                                    byQuery.add(new Tuple2<>(chunkIds[j], a[j]));
                                }
                                return byQuery.iterator();
                            })
                            .reduceByKey((x, y) -> Partial.merge(x, y, k))
                            .map(t -> RowFactory.create(t._1(), (Object) t._2().toRows(k))), RESULT_SCHEMA);
                    shuffled = shuffled == null ? part : shuffled.unionAll(part);
                }
            }
        } catch (RuntimeException e) {
            throw RabitqModel.unwrap(e);
        }
        Dataset<Row> onDriver = spark.createDataFrame(merged, RESULT_SCHEMA);
        return shuffled == null ? onDriver : merged.isEmpty() ? shuffled : onDriver.unionAll(shuffled);
    }

    private static long positiveConf(SparkSession spark, String key, long defaultValue) {
        String v = spark.conf().get(key, Long.toString(defaultValue));
        try {
            long n = Long.parseLong(v.trim());
            if (n >= 0) {
                return Math.max(1, n);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException(key + " must be a non-negative integer but was '" + v + "'");
    }

    /**
     * One task per bundle partition, each answering every query of the chunk (broadcast with its probes) from the
     * clusters it holds: one array per partition, in query order, so a task ships one object.
     */
    private static JavaRDD<Partial[]> partitionAnswers(JavaSparkContext jsc, String bundleDir, String generation, Manifest m,
                                                       long[] qids, float[][] qvec, int[][] probes, int k) {
        Broadcast<float[][]> vectors = jsc.broadcast(qvec);
        Broadcast<int[][]> probeLists = jsc.broadcast(probes);
        int parts = m.partitions().size();
        List<Integer> numbers = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            numbers.add(p);
        }
        String witness = m.witness();
        return jsc.parallelize(numbers, parts).map(p -> localAnswers(bundleDir, generation, witness, p, vectors.value(), probeLists.value(), k));
    }

    /** Merges every partition's answer per query, queries in parallel (the driver is otherwise idle here). */
    private static List<Row> mergeOnDriver(long[] ids, List<Partial[]> answers, int k) {
        Row[] rows = new Row[ids.length];
        java.util.stream.IntStream.range(0, ids.length).parallel().forEach(j -> {
            Partial[] parts = new Partial[answers.size()];
            for (int p = 0; p < parts.length; p++) {
                parts[p] = answers.get(p)[j];
            }
            rows[j] = RowFactory.create(ids[j], (Object) Partial.rows(Partial.answer(parts, k)));
        });
        return Arrays.asList(rows);
    }

    /** Generations this JVM has fully verified, by directory and generation, with their witness. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> VERIFIED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Opens the live generation, hashing every byte the first time this JVM sees it and only checking sizes and
     * the witness afterwards (a repeated search should not re-read a large bundle).
     */
    static Bundle openVerified(String bundleDir) {
        Bundle quick = Bundle.open(Path.of(bundleDir), Bundle.Verification.QUICK);
        String key = bundleDir + "/" + quick.generation();
        if (quick.manifest().witness().equals(VERIFIED.get(key))) {
            return quick;
        }
        String generation = quick.generation();
        quick.close();
        Bundle full = Bundle.open(Path.of(bundleDir), generation, Bundle.Verification.FULL);
        VERIFIED.put(key, full.manifest().witness());
        return full;
    }

    /**
     * One partition's answer for every query, in query order (an entry even when empty, so no query vanishes): the
     * mergeable rerank log for IVF bundles (merging them reproduces the single-process answer), else the k best.
     */
    static Partial[] localAnswers(String bundleDir, String generation, String witness, int partition, float[][] queries,
                                  int[][] probes, int k) {
        QuantizedIndex index = ExecutorIndexCache.partition(bundleDir, generation, witness, partition);
        Partial[] out = new Partial[queries.length];
        if (probes != null) {
            RerankLog[] logs = ((IvfRabitqIndex) index).searchLogs(queries, k, probes);
            for (int j = 0; j < queries.length; j++) {
                out[j] = new Partial(logs[j], null);
            }
            return out;
        }
        Neighbor[][] res = index.searchBatch(queries, k);
        for (int j = 0; j < queries.length; j++) {
            out[j] = new Partial(null, res[j]);
        }
        return out;
    }

    /** A partial answer for one query as it travels between tasks: a rerank log, or a sorted top-k list. */
    record Partial(RerankLog log, Neighbor[] top) implements Serializable {
        static Partial merge(Partial a, Partial b, int k) {
            if (a.log != null) {
                return new Partial(RerankLog.merge(a.log, b.log, k), null);
            }
            Neighbor[] out = new Neighbor[Math.min(k, a.top.length + b.top.length)];
            int i = 0;
            int j = 0;
            for (int n = 0; n < out.length; n++) {
                out[n] = j >= b.top.length || (i < a.top.length && ORDER.compare(a.top[i], b.top[j]) <= 0) ? a.top[i++] : b.top[j++];
            }
            return new Partial(null, out);
        }

        /** The k best of all parts of the index. */
        static Neighbor[] answer(Partial[] parts, int k) {
            if (parts.length == 0) {
                return new Neighbor[0];
            }
            if (parts[0].log != null) {
                return RerankLog.neighbors(Arrays.stream(parts).map(Partial::log).toArray(RerankLog[]::new), k);
            }
            Partial acc = parts[0];
            for (int p = 1; p < parts.length; p++) {
                acc = merge(acc, parts[p], k);
            }
            return acc.top;
        }

        Row[] toRows(int k) {
            return rows(log != null ? log.neighbors(k) : top);
        }

        static Row[] rows(Neighbor[] hits) { // Spark's external type for an array column: a Java array or Scala Seq
            return Arrays.stream(hits).map(h -> RowFactory.create(h.id(), h.distance())).toArray(Row[]::new);
        }
    }

    private static final Comparator<Neighbor> ORDER = Comparator.comparingDouble(Neighbor::distance).thenComparingLong(Neighbor::id);
}
