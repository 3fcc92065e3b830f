package io.rabitq.spark;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import io.rabitq.lake.IndexBundles;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
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
 * partition scans the probed clusters it holds and keeps a bounded top-k per query; a bounded merge per query
 * (on the driver for small batches, else in a shuffle) yields
 * {@code (query_id bigint, neighbors array<struct<id:bigint, distance:float>>)} — a row for every query, with an
 * empty array when nothing was found.
 */
public final class RabitqSearch {
    /** Output schema of {@link #searchBatch}. */
    public static final StructType RESULT_SCHEMA = new StructType()
            .add("query_id", DataTypes.LongType, false)
            .add("neighbors", DataTypes.createArrayType(new StructType()
                    .add("id", DataTypes.LongType, false).add("distance", DataTypes.FloatType, false), false), false);

    /** Up to this many partial hits (queries x partitions x k) are merged on the driver instead of in a shuffle. */
    static final long DRIVER_MERGE_MAX_HITS = 2_000_000;

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
        VectorColumns.check(queries, idCol, vectorCol);
        Manifest m;
        String generation;
        QuantizedIndex router; // all centroids, no rows: chooses the probes once for the whole index
        try (Bundle b = openVerified(bundleDir)) {
            m = b.manifest();
            generation = b.generation();
            if (ROUTERS.size() > 16) { // republished bundles leave old witnesses behind
                ROUTERS.clear();
            }
            router = ROUTERS.computeIfAbsent(m.witness(), w -> IndexBundles.loadPartitions(b, new int[0], io.rabitq.core.Kernels.scan()));
        } catch (BundleException e) {
            throw new InvalidInputException("bundle " + bundleDir + " cannot be searched: " + e.getMessage(), e);
        }
        List<Row> rows = queries.select(idCol, vectorCol).collectAsList();
        long[] qids = new long[rows.size()];
        float[][] qvec = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            qids[i] = ((Number) r.get(0)).longValue();
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
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[][]> vectors = jsc.broadcast(qvec);
        Broadcast<long[]> ids = jsc.broadcast(qids);
        Broadcast<int[][]> probeLists = jsc.broadcast(probes);
        int parts = m.partitions().size();
        List<Integer> numbers = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            numbers.add(p);
        }
        String witness = m.witness();
        JavaPairRDD<Long, Hit[]> local = jsc.parallelize(numbers, parts).flatMapToPair(p ->
                localTopK(bundleDir, generation, witness, p, vectors.value(), ids.value(), probeLists.value(), k).iterator());
        try {
            if ((long) qids.length * parts * k <= DRIVER_MERGE_MAX_HITS) {
                // small batches: merge on the driver, which saves a shuffle stage
                Map<Long, Hit[]> merged = new HashMap<>();
                for (Tuple2<Long, Hit[]> t : local.collect()) {
                    merged.merge(t._1(), t._2(), (x, y) -> merge(x, y, k));
                }
                List<Row> out = new ArrayList<>(merged.size());
                merged.forEach((q, hits) -> out.add(RowFactory.create(q, (Object) toRows(hits))));
                return spark.createDataFrame(out, RESULT_SCHEMA);
            }
            JavaRDD<Row> out = local.reduceByKey((x, y) -> merge(x, y, k)).map(t -> RowFactory.create(t._1(), (Object) toRows(t._2())));
            return spark.createDataFrame(out, RESULT_SCHEMA);
        } catch (RuntimeException e) {
            throw RabitqModel.unwrap(e);
        }
    }

    /** Centroids-only indexes that choose probes on the driver, by bundle witness (a few MB each at most). */
    private static final java.util.concurrent.ConcurrentHashMap<String, QuantizedIndex> ROUTERS = new java.util.concurrent.ConcurrentHashMap<>();

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

    /** The k best of one partition for every query (an entry even when empty, so no query vanishes). */
    static List<Tuple2<Long, Hit[]>> localTopK(String bundleDir, String generation, String witness, int partition,
                                               float[][] queries, long[] ids, int[][] probes, int k) {
        QuantizedIndex index = PartitionIndexCache.get(bundleDir, generation, witness, partition);
        Neighbor[][] res = probes != null ? ((IvfRabitqIndex) index).searchBatch(queries, k, probes) : index.searchBatch(queries, k);
        List<Tuple2<Long, Hit[]>> out = new ArrayList<>(queries.length);
        for (int j = 0; j < queries.length; j++) {
            Hit[] hits = new Hit[res[j].length];
            for (int i = 0; i < hits.length; i++) {
                hits[i] = new Hit(res[j][i].id(), res[j][i].distance());
            }
            out.add(new Tuple2<>(ids[j], hits));
        }
        return out;
    }

    /** One neighbour as it travels between tasks. */
    record Hit(long id, float distance) implements Serializable {
    }

    private static final Comparator<Hit> ORDER = Comparator.comparingDouble(Hit::distance).thenComparingLong(Hit::id);

    /** Bounded merge of two sorted lists: at most k survive. */
    static Hit[] merge(Hit[] a, Hit[] b, int k) {
        Hit[] out = new Hit[Math.min(k, a.length + b.length)];
        int i = 0;
        int j = 0;
        for (int n = 0; n < out.length; n++) {
            out[n] = j >= b.length || (i < a.length && ORDER.compare(a[i], b[j]) <= 0) ? a[i++] : b[j++];
        }
        return out;
    }

    static Row[] toRows(Hit[] hits) { // Spark's external type for an array column: a Java array or Scala Seq
        return Arrays.stream(hits).map(h -> RowFactory.create(h.id(), h.distance())).toArray(Row[]::new);
    }
}
