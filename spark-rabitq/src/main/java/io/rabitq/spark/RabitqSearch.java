package io.rabitq.spark;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.PreparedQueries;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RecallCurve;
import io.rabitq.core.RerankLog;
import io.rabitq.core.Vectors;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Distributed batch search of a bundle: the driver chooses each query's probed clusters once from all
 * centroids (exactly as the single-process index does) and broadcasts them with the queries; each task scans the
 * probed clusters one bundle partition holds for a slice of the queries and returns, per query, the rerank log of
 * its part (for IVF bundles — just the k best when its part comes first in the query's scan; else its top-k); the
 * driver replays the logs of all parts per query (or, for large batches, a shuffle merges them), which reproduces
 * the single-process answer exactly. The result is
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
    /** Fewest queries per task: a chunk is sliced for about two tasks per core, but not thinner. */
    private static final int MIN_SLICE = 1_000;

    private RabitqSearch() {
    }

    /**
     * As {@link #searchBatch(Dataset, String, String, String, int, int)}, probing as many clusters as the bundle's
     * recall curve says reach recall@10 {@code recall} (measured at index time on sample queries; see
     * {@link #nprobeForRecall}).
     */
    public static Dataset<Row> searchBatch(Dataset<Row> queries, String idCol, String vectorCol, String bundleDir, int k, double recall) {
        RecallCurve.checkTarget(recall);
        return search(queries, idCol, vectorCol, bundleDir, k, m -> nprobeForRecall(m, bundleDir, recall));
    }

    /**
     * The nprobe at which an IVF bundle's recorded recall curve reaches {@code recall} (see
     * {@link RecallCurve#nprobeFor}); 0 (everything is scanned anyway) for other variants.
     *
     * @throws InvalidInputException if the bundle records no curve (indexed before recall targets existed)
     */
    public static int nprobeForRecall(Manifest m, String bundleDir, double recall) {
        RecallCurve.checkTarget(recall);
        if (!"ivf".equals(m.params().get("variant"))) {
            return 0;
        }
        String curve = m.params().get(IvfRabitqIndex.RECALL_CURVE_PARAM);
        if (curve == null) {
            throw new InvalidInputException("bundle " + bundleDir + " records no recall curve (it was indexed before recall targets "
                    + "existed); re-index it, or give nprobe instead of a recall");
        }
        return RecallCurve.parse(curve).nprobeFor(recall, m.nlist());
    }

    /**
     * Searches {@code bundleDir} for the {@code k} nearest neighbours of every row of {@code queries}.
     *
     * @param nprobe clusters probed per query (IVF bundles); 0 uses the bundle's default
     */
    public static Dataset<Row> searchBatch(Dataset<Row> queries, String idCol, String vectorCol, String bundleDir, int k, int nprobe) {
        Vectors.checkNprobeOrDefault(nprobe);
        return search(queries, idCol, vectorCol, bundleDir, k, m -> nprobe);
    }

    /** The search of both {@code searchBatch} forms, with the nprobe taken from the live generation's manifest. */
    private static Dataset<Row> search(Dataset<Row> queries, String idCol, String vectorCol, String bundleDir, int k,
                                       java.util.function.ToIntFunction<Manifest> probes) {
        Vectors.checkK(k);
        Dataset<Row> queryRows = VectorColumns.select(queries, idCol, vectorCol);
        Manifest m;
        String generation;
        int nprobe;
        QuantizedIndex router; // all centroids, no rows: chooses the probes once for the whole index
        try (Bundle b = openVerified(bundleDir)) {
            m = b.manifest();
            generation = b.generation();
            nprobe = probes.applyAsInt(m);
            router = ExecutorIndexCache.centroids(bundleDir, b);
        } catch (BundleException e) {
            throw new InvalidInputException("bundle " + bundleDir + " cannot be searched: " + e.getMessage(), e);
        }
        List<int[]> shards = shards(m);
        SparkSession spark = queries.sparkSession();
        int chunk = (int) Math.min(Integer.MAX_VALUE, positiveConf(spark, QUERY_CHUNK_CONF, DEFAULT_QUERY_CHUNK));
        long driverMergeMax = positiveConf(spark, DRIVER_MERGE_CONF, DEFAULT_DRIVER_MERGE_MAX_HITS);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Row> merged = new ArrayList<>();
        Dataset<Row> shuffled = null;
        try {
            Queries all = Queries.collect(queryRows, m.dim(), bundleDir);
            long[] qids = all.ids();
            PreparedQueries prepared = router instanceof IvfRabitqIndex ivf
                    ? ivf.prepare(all.vectors(), nprobe > 0 ? nprobe : ivf.nprobe()) : router.prepare(all.vectors());
            for (int from = 0; from < qids.length; from += chunk) {
                int to = Math.min(qids.length, from + chunk);
                long[] chunkIds = Arrays.copyOfRange(qids, from, to);
                JavaRDD<SliceAnswer> answers = partitionAnswers(jsc, bundleDir, generation, m.witness(), shards, prepared.slice(from, to), k);
                if ((long) (to - from) * shards.size() * k <= driverMergeMax) {
                    String phase = String.format("search: %,d queries against %s (%d shards)", to - from, bundleDir, shards.size());
                    List<SliceAnswer> collected = JobPhase.run(spark.sparkContext(), phase, answers::collect);
                    merged.addAll(mergeOnDriver(chunkIds, shards.size(), collected, k)); // small batches: no shuffle stage
                } else {
                    Dataset<Row> part = spark.createDataFrame(answers
                            .flatMapToPair(a -> {
                                List<Tuple2<Long, Partial>> byQuery = new ArrayList<>(a.answers().length);
                                for (int j = 0; j < a.answers().length; j++) {
                                    byQuery.add(new Tuple2<>(chunkIds[a.from() + j], a.answers()[j]));
                                }
                                return byQuery.iterator();
                            })
                            .reduceByKey((x, y) -> Partial.merge(x, y, k))
                            .map(t -> RowFactory.create(t._1(), (Object) t._2().toRows(k))), RESULT_SCHEMA);
                    shuffled = shuffled == null ? part : shuffled.unionAll(part);
                }
            }
        } catch (Exception e) { // SparkException is checked in Java's eyes but thrown undeclared
            throw RabitqModel.unwrap(e);
        }
        Dataset<Row> onDriver = spark.createDataFrame(merged, RESULT_SCHEMA);
        Dataset<Row> result = shuffled == null ? onDriver : merged.isEmpty() ? shuffled : onDriver.unionAll(shuffled);
        return result.withMetadata("neighbors", new Lineage(bundleDir, generation, m.witness(), m.sourceVersion()).toMetadata());
    }

    /**
     * Which bundle generation answered a {@link #searchBatch}: carried as metadata of its {@code neighbors} column (so it
     * costs nothing per row and survives selects and writes), read back with {@link #lineage}.
     */
    public record Lineage(String bundle, String generation, String witness, String sourceVersion) {
        private static final String KEY = "rabitq.lineage";

        Metadata toMetadata() {
            return new MetadataBuilder().putMetadata(KEY, new MetadataBuilder()
                    .putString("bundle", bundle).putString("generation", generation).putString("witness", witness)
                    .putString("source_version", sourceVersion).build()).build();
        }
    }

    /** The lineage of a {@link #searchBatch} result, or empty for a DataFrame that did not come from one. */
    public static Optional<Lineage> lineage(Dataset<Row> result) {
        StructType schema = result.schema();
        if (!Arrays.asList(schema.fieldNames()).contains("neighbors")
                || !schema.apply("neighbors").metadata().contains(Lineage.KEY)) {
            return Optional.empty();
        }
        Metadata l = schema.apply("neighbors").metadata().getMetadata(Lineage.KEY);
        return Optional.of(new Lineage(l.getString("bundle"), l.getString("generation"), l.getString("witness"),
                l.getString("source_version")));
    }

    /**
     * The bundle's partitions grouped so that every cluster lives in one group (other variants: one group per
     * partition): the driver replays the groups' IVF rerank logs in cluster order, which is the single-process order
     * only when no cluster is split between two logs.
     * A bundle written by {@code index} has one partition per group; the delta partitions {@code reindex} adds join
     * the partition that holds their clusters. Groups list their partitions in ascending order (the order in which
     * the single-process index holds a cluster's rows).
     */
    static List<int[]> shards(Manifest m) {
        int parts = m.partitions().size();
        if (!"ivf".equals(m.params().get("variant"))) {
            return java.util.stream.IntStream.range(0, parts).mapToObj(p -> new int[] {p}).toList();
        }
        int[] parent = new int[parts];
        Arrays.setAll(parent, i -> i);
        int[] owner = new int[m.nlist()];
        Arrays.fill(owner, -1);
        for (int p = 0; p < parts; p++) {
            for (Manifest.ClusterRange r : m.partitions().get(p).clusters()) {
                if (owner[r.cluster()] < 0) {
                    owner[r.cluster()] = p;
                } else {
                    parent[root(parent, p)] = root(parent, owner[r.cluster()]);
                }
            }
        }
        java.util.Map<Integer, List<Integer>> groups = new java.util.TreeMap<>();
        for (int p = 0; p < parts; p++) {
            groups.computeIfAbsent(root(parent, p), g -> new ArrayList<>()).add(p);
        }
        return groups.values().stream().map(g -> g.stream().mapToInt(Integer::intValue).toArray()).toList();
    }

    private static int root(int[] parent, int p) {
        while (parent[p] != p) {
            p = parent[p] = parent[parent[p]];
        }
        return p;
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
     * Tasks answer a slice of the chunk's queries (prepared once on the driver, with their probes, and broadcast)
     * from the clusters of one shard (see {@link #shards}): a few slices per shard, so that a slow shard does not hold
     * up the job and a finished task's answer travels while others still scan.
     */
    private static JavaRDD<SliceAnswer> partitionAnswers(JavaSparkContext jsc, String bundleDir, String generation, String witness,
                                                         List<int[]> shards, PreparedQueries queries, int k) {
        Broadcast<PreparedQueries> shared = jsc.broadcast(queries);
        int n = queries.size();
        int parts = shards.size();
        int slices = (int) Math.max(1, Math.min((2L * jsc.defaultParallelism() + parts - 1) / parts, n / MIN_SLICE));
        List<int[]> tasks = new ArrayList<>(); // {shard, first query, end}
        for (int p = 0; p < parts; p++) {
            for (int s = 0; s < slices; s++) {
                tasks.add(new int[] {p, (int) ((long) n * s / slices), (int) ((long) n * (s + 1) / slices)});
            }
        }
        return jsc.parallelize(tasks, tasks.size()).map(t -> new SliceAnswer(t[0], t[1],
                localAnswers(bundleDir, generation, witness, shards.get(t[0]), shared.value().slice(t[1], t[2]), k)));
    }

    /** One task's answers: shard {@code shard}'s partial answer for each query from {@code from} on. */
    record SliceAnswer(int shard, int from, Partial[] answers) implements Serializable {
    }

    /** Merges every shard's answer per query, queries in parallel (the driver is otherwise idle here). */
    private static List<Row> mergeOnDriver(long[] ids, int parts, List<SliceAnswer> answers, int k) {
        Partial[][] byQuery = new Partial[ids.length][parts];
        for (SliceAnswer a : answers) {
            for (int j = 0; j < a.answers().length; j++) {
                byQuery[a.from() + j][a.shard()] = a.answers()[j];
            }
        }
        Row[] rows = new Row[ids.length];
        java.util.stream.IntStream.range(0, ids.length).parallel()
                .forEach(j -> rows[j] = RowFactory.create(ids[j], (Object) Partial.rows(Partial.answer(byQuery[j], k))));
        return Arrays.asList(rows);
    }

    /** The queries' ids and vectors, read and checked on the executors so that no boxed floats reach the driver. */
    record Queries(long[] ids, float[][] vectors) implements Serializable {
        static Queries collect(Dataset<Row> queryRows, int dim, String bundleDir) {
            List<Queries> parts = queryRows.toJavaRDD().mapPartitions(rows -> {
                List<Long> ids = new ArrayList<>();
                List<float[]> vectors = new ArrayList<>();
                while (rows.hasNext()) {
                    Row r = rows.next();
                    long id = VectorColumns.id(r);
                    if (!r.isNullAt(1) && r.getList(1).size() != dim) {
                        throw new InvalidInputException("query " + id + " has dimension " + r.getList(1).size() + " but the bundle "
                                + bundleDir + " has dimension " + dim + "; search with vectors of the indexed dimension");
                    }
                    ids.add(id);
                    vectors.add(VectorColumns.read(r, 1, dim, id));
                }
                return List.of(new Queries(ids.stream().mapToLong(Long::longValue).toArray(), vectors.toArray(float[][]::new))).iterator();
            }).collect();
            int n = parts.stream().mapToInt(q -> q.ids.length).sum();
            long[] ids = new long[n];
            float[][] vectors = new float[n][];
            int at = 0;
            for (Queries q : parts) {
                System.arraycopy(q.ids, 0, ids, at, q.ids.length);
                System.arraycopy(q.vectors, 0, vectors, at, q.ids.length);
                at += q.ids.length;
            }
            checkUnique(ids);
            return new Queries(ids, vectors);
        }

        /** Answers are keyed by query id (a large batch merges partial answers by it), so two queries may not share one. */
        private static void checkUnique(long[] ids) {
            long[] sorted = ids.clone();
            Arrays.sort(sorted);
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] == sorted[i - 1]) {
                    throw new InvalidInputException("query id " + sorted[i] + " appears more than once in the queries; searchBatch needs "
                            + "one id per query (deduplicate the rows, or give each its own id)");
                }
            }
        }
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
     * One shard's answer for every query, in query order (an entry even when empty, so no query vanishes): the
     * mergeable rerank log for IVF bundles (merging them reproduces the single-process answer), else the k best.
     */
    static Partial[] localAnswers(String bundleDir, String generation, String witness, int[] shard, PreparedQueries queries,
                                  int k) {
        QuantizedIndex index = ExecutorIndexCache.partitions(bundleDir, generation, witness, shard);
        Partial[] out = new Partial[queries.size()];
        if (queries.hasProbes()) {
            RerankLog[] logs = ((IvfRabitqIndex) index).searchLogs(queries, k);
            for (int j = 0; j < out.length; j++) {
                out[j] = new Partial(logs[j], null);
            }
            return out;
        }
        Neighbor[][] res = index.searchBatch(queries, k);
        for (int j = 0; j < out.length; j++) {
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
