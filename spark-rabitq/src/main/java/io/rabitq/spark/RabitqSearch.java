package io.rabitq.spark;

import static org.apache.spark.sql.functions.col;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.RecallCurve;
import io.rabitq.core.Vectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;

/**
 * Distributed batch search of a bundle ({@link BatchSearch} has the plan): every query is prepared once (its probed
 * clusters chosen from all centroids, as the single-process index chooses them), each bundle shard searches it with its
 * own error-bound gate and sends its k best, and an aggregate keeps the k best of all shards. At every rank the distance
 * is no worse than the single-process index's, and the answer is the same whenever no error bound fails. The result is
 * lazy and streams: no query passes through the driver.
 */
public final class RabitqSearch {
    /** Output schema of {@link #searchBatch}. */
    public static final StructType RESULT_SCHEMA = new StructType()
            .add("query_id", DataTypes.LongType, false)
            .add("neighbors", DataTypes.createArrayType(new StructType()
                    .add("id", DataTypes.LongType, false).add("distance", DataTypes.FloatType, false), false), false);

    /**
     * Spark conf: the most bundle bytes one search task holds (default {@value #DEFAULT_SHARD_BYTES}, 1 GiB). A bundle
     * that fits is searched whole by every task; a larger one is split into shards of about this size, each searched
     * by its own tasks, with a merge of their answers per query.
     */
    public static final String SHARD_BYTES_CONF = "spark.rabitq.search.shardBytes";
    static final long DEFAULT_SHARD_BYTES = 1L << 30;

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
     * Searches {@code bundleDir} for the {@code k} nearest neighbours of every row of {@code queries}: one row per query
     * row, {@code (query_id bigint, neighbors array<struct<id bigint, distance float>>, the other query columns...)}, the
     * vector column dropped, neighbours ordered by (distance, id), an empty array when nothing was found. Lazy: the
     * search runs when the result is used, against the generation that was live when this was called (a shuffle in the
     * queries' own plan runs at once, as Spark's adaptive execution hands over its rows). Bad query
     * columns and an unreadable bundle fail here; a bad vector fails the job with the query's id.
     *
     * @param nprobe clusters probed per query (IVF bundles); 0 uses the bundle's default
     * @throws InvalidInputException if a query column is named {@code query_id} or {@code neighbors} (other than the id)
     */
    public static Dataset<Row> searchBatch(Dataset<Row> queries, String idCol, String vectorCol, String bundleDir, int k, int nprobe) {
        Vectors.checkNprobeOrDefault(nprobe);
        return search(queries, idCol, vectorCol, bundleDir, k, m -> nprobe);
    }

    /** The search of both {@code searchBatch} forms, with the nprobe taken from the live generation's manifest. */
    private static Dataset<Row> search(Dataset<Row> queries, String idCol, String vectorCol, String bundleDir, int k,
                                       java.util.function.ToIntFunction<Manifest> probes) {
        Vectors.checkK(k);
        List<Column> others = new ArrayList<>();
        for (String c : queries.columns()) {
            if (!c.equals(idCol) && !c.equals(vectorCol)) {
                if (c.equals("query_id") || c.equals("neighbors")) {
                    throw new InvalidInputException("the queries have a column '" + c + "', which searchBatch writes itself; rename "
                            + "or drop it");
                }
                others.add(col("`" + c + "`"));
            }
        }
        Dataset<Row> keyed = VectorColumns.select(queries, idCol, vectorCol, others.toArray(Column[]::new));
        BatchSearch.Plan plan;
        Manifest m;
        try (Bundle b = openVerified(bundleDir)) {
            m = b.manifest();
            int nprobe = probes.applyAsInt(m);
            // the codebook of the centroids that prepare the queries, which every shard of this generation shares
            String codebook = ExecutorIndexCache.partitions(bundleDir, b.generation(), m.witness(), new int[0])
                    .prepare(new float[0][]).codebook();
            plan = new BatchSearch.Plan(bundleDir, b.generation(), m.witness(), shards(m, shardBytes(queries.sparkSession())), k, nprobe,
                    m.dim(), codebook);
        } catch (BundleException e) {
            throw new InvalidInputException("bundle " + bundleDir + " cannot be searched: " + e.getMessage(), e);
        }
        return BatchSearch.run(keyed, plan)
                .withMetadata("neighbors", new Lineage(bundleDir, plan.generation(), m.witness(), m.sourceVersion()).toMetadata());
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

    /** The {@value #SHARD_BYTES_CONF} of a session, checked. */
    static long shardBytes(org.apache.spark.sql.SparkSession spark) {
        String v = spark.conf().get(SHARD_BYTES_CONF, Long.toString(DEFAULT_SHARD_BYTES)).trim();
        try {
            long bytes = org.apache.spark.network.util.JavaUtils.byteStringAsBytes(v);
            if (bytes > 0) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException(SHARD_BYTES_CONF + " must be a positive size such as 1073741824 or 1g, not '" + v + "'");
    }

    /**
     * The bundle's partitions grouped into shards of at most {@code maxBytes} (or one group, when a group alone is
     * larger), each cluster in one shard (other variants: partitions are grouped in order). A shard's gate then sees all
     * the rows of each cluster it scans, and the delta partitions that {@code reindex} adds are searched with the
     * partition that holds their clusters. Shards list their partitions in ascending order.
     */
    static List<int[]> shards(Manifest m, long maxBytes) {
        int parts = m.partitions().size();
        int[] parent = new int[parts];
        Arrays.setAll(parent, i -> i);
        if ("ivf".equals(m.params().get("variant"))) {
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
        }
        java.util.Map<Integer, List<Integer>> groups = new java.util.TreeMap<>();
        for (int p = 0; p < parts; p++) {
            groups.computeIfAbsent(root(parent, p), g -> new ArrayList<>()).add(p);
        }
        List<int[]> shards = new ArrayList<>();
        List<Integer> shard = new ArrayList<>();
        long bytes = 0;
        for (List<Integer> group : groups.values()) {
            long size = group.stream().mapToLong(p -> m.partitions().get(p).bytes()).sum();
            if (!shard.isEmpty() && bytes + size > maxBytes) {
                shards.add(shard.stream().mapToInt(Integer::intValue).sorted().toArray());
                shard = new ArrayList<>();
                bytes = 0;
            }
            shard.addAll(group);
            bytes += size;
        }
        shards.add(shard.stream().mapToInt(Integer::intValue).sorted().toArray());
        return shards;
    }

    private static int root(int[] parent, int p) {
        while (parent[p] != p) {
            p = parent[p] = parent[parent[p]];
        }
        return p;
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
}
