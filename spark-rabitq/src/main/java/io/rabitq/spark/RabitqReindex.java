package io.rabitq.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.BundleSpec;
import io.rabitq.bundle.ConcurrentPublishException;
import io.rabitq.bundle.GenerationWriter;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.Codebook;
import io.rabitq.core.Metric;
import io.rabitq.core.RotationKind;
import io.rabitq.lake.IndexBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Keeps a bundle in step with the Delta table it was built from, reading the table's change data feed from the
 * version the live generation records up to the latest (or a given) version:
 * <ul>
 *   <li>inserted rows are assigned and quantized with the bundle's frozen centroids and rotation and written into
 *       small delta partition files, one per partition whose clusters they join;</li>
 *   <li>deleted rows (and the old image of updated rows) are added to the deletion sets of the partitions that hold
 *       them, so no reader returns them from the new generation on;</li>
 *   <li>every other file is reused by hard link, and the new generation, recording the new table version, is
 *       published only over the generation the changes were computed from.</li>
 * </ul>
 * When the delta rows and deleted rows pass {@link Options#compactAt} of the live rows (or on request) the table is
 * re-indexed whole with the same centroids (compaction); when new rows sit on average {@link Options#driftLimit}
 * times farther from their centroids than the indexed rows did, the centroids are retrained first (rebuild).
 * Running again without new commits publishes nothing. When another writer publishes while a run works, the run
 * starts again from that writer's generation (up to three times), so no change is lost.
 */
public final class RabitqReindex {
    /** Manifest params carried by incremental generations: rows added since the last full build, and their residuals. */
    static final String DELTA_ROWS_PARAM = "delta_rows";
    static final String DELTA_RESIDUAL_PARAM = "delta_residual_sq";
    private static final Set<String> REMOVED = Set.of("delete", "update_preimage");

    private RabitqReindex() {
    }

    /** What a run did. */
    public enum Action { UP_TO_DATE, INCREMENTAL, COMPACTED, REBUILT }

    /** When to retrain the centroids: on measured drift, never, or on every run. */
    public enum Rebuild { AUTO, NEVER, ALWAYS }

    /** Settings of a run (defaults in the field initializers); setters return this. */
    public static final class Options {
        String idCol = "id";
        String vectorCol = "vector";
        Long toVersion;
        boolean compact;
        Rebuild rebuild = Rebuild.AUTO;
        double compactAt = 0.2;
        double driftLimit = 1.5;
        boolean replaceSource;
        int partitions;

        public Options columns(String id, String vector) {
            this.idCol = id;
            this.vectorCol = vector;
            return this;
        }

        /** Stop at this table version instead of the latest. */
        public Options toVersion(Long version) {
            this.toVersion = version;
            return this;
        }

        /** Re-index the whole table with the frozen centroids (folds delta files and deletions; needs no change feed). */
        public Options compact(boolean value) {
            this.compact = value;
            return this;
        }

        public Options rebuild(Rebuild value) {
            this.rebuild = value;
            return this;
        }

        /** Compact when delta rows plus deleted rows exceed this fraction of the live rows (default 0.2). */
        public Options compactAt(double fraction) {
            if (!(fraction > 0)) {
                throw new InvalidInputException("the compaction threshold must be > 0 but was " + fraction);
            }
            this.compactAt = fraction;
            return this;
        }

        /** With {@link Rebuild#AUTO}: retrain when new rows' mean squared residual exceeds the build's by this factor (1.5). */
        public Options driftLimit(double factor) {
            if (!(factor > 1)) {
                throw new InvalidInputException("the drift limit must be > 1 but was " + factor);
            }
            this.driftLimit = factor;
            return this;
        }

        /** Allow re-indexing a bundle recorded as built from another table (a full rebuild from this one). */
        public Options replaceSource(boolean value) {
            this.replaceSource = value;
            return this;
        }

        /** Partition files of a full (compacting or rebuilding) run; 0: one per core. */
        public Options partitions(int value) {
            this.partitions = value;
            return this;
        }
    }

    /**
     * The outcome of a run.
     *
     * @param reason           why this action, in words
     * @param inserted         rows added (inserts and new images of updates)
     * @param deleted          rows removed (deletes and old images of updates)
     * @param unmatchedDeletes deleted ids the bundle did not hold (nothing to remove; a sign it was built from other data)
     * @param drift            new rows' mean squared residual over the build's (NaN when unknown)
     * @param manifest         the published generation, or the live one when up to date
     * @param bytesWritten     bytes of the files this run wrote (reused files excluded)
     */
    public record Result(Action action, String reason, long fromVersion, long toVersion, long inserted, long deleted,
                         long unmatchedDeletes, double drift, String generation, Manifest manifest, long bytesWritten) {
    }

    /** Brings the bundle at {@code bundleDir} up to the Delta table at {@code tablePath}. */
    public static Result run(SparkSession spark, String tablePath, String bundleDir, Options o) {
        if (!Files.isDirectory(Path.of(tablePath, "_delta_log"))) {
            throw new InvalidInputException("reindex follows a Delta table's change feed, but " + tablePath
                    + " is not a Delta table (no _delta_log); use index for Parquet input");
        }
        Path dir = Path.of(bundleDir);
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException("no bundle at " + bundleDir + ": build it first with index (reindex continues an indexed bundle)");
        }
        for (int attempt = 1; ; attempt++) {
            try (Bundle base = Bundle.open(dir)) {
                return new Run(spark, tablePath, base, o).run();
            } catch (ConcurrentPublishException e) {
                if (attempt == 3) { // another writer keeps publishing: let the scheduler try later
                    throw e;
                }
                // another writer published first: continue from its generation and version
            } catch (BundleException e) {
                throw new InvalidInputException("bundle " + bundleDir + " cannot be re-indexed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw RabitqModel.unwrap(e);
            }
        }
    }

    /** The latest version of a Delta table. */
    static long latestVersion(SparkSession spark, String tablePath) {
        return DeltaTable.forPath(spark, tablePath).history(1).first().getLong(0);
    }

    /**
     * The source reference a bundle records for a table: {@code delta:} (when it has a {@code _delta_log}) or
     * {@code parquet:}, then the absolute path.
     */
    public static String sourceRef(String tablePath) {
        Path p = Path.of(tablePath).toAbsolutePath().normalize();
        return (Files.isDirectory(p.resolve("_delta_log")) ? "delta:" : "parquet:") + p;
    }

    /** Whether a bundle recording {@code recordedRef} was built from the table at {@code tablePath}. */
    public static boolean sameSource(String recordedRef, String tablePath) {
        int colon = recordedRef.indexOf(':');
        String path = colon < 0 ? recordedRef : recordedRef.substring(colon + 1);
        try {
            return Path.of(path).toAbsolutePath().normalize().equals(Path.of(tablePath).toAbsolutePath().normalize());
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** One run against an open base generation. */
    private static final class Run {
        final SparkSession spark;
        final String table;
        final Bundle base;
        final Manifest m;
        final Options o;
        final String ref;

        Run(SparkSession spark, String table, Bundle base, Options o) {
            this.spark = spark;
            this.table = table;
            this.base = base;
            this.m = base.manifest();
            this.o = o;
            this.ref = sourceRef(table);
        }

        Result run() {
            long latest = latestVersion(spark, table);
            long target = o.toVersion != null ? o.toVersion : latest;
            if (target > latest || target < 0) {
                throw new InvalidInputException("--to-version " + target + " is not a version of " + table + " (latest: " + latest + ")");
            }
            boolean sameTable = sameSource(m.sourceRef(), table);
            if (!sameTable && !o.replaceSource) {
                throw new InvalidInputException("bundle " + base.directory() + " belongs to " + m.sourceRef() + ", not " + ref
                        + "; re-index it from that table, or pass --replace-source to rebuild it from this one");
            }
            if (!sameTable) {
                return full(target, -1, o.rebuild == Rebuild.NEVER ? Action.COMPACTED : Action.REBUILT,
                        "the bundle was built from " + m.sourceRef() + " and --replace-source rebuilds it from " + ref);
            }
            long from = recordedVersion();
            if (target < from) {
                throw new InvalidInputException("bundle " + base.directory() + " is at version " + from + " of " + table
                        + ", newer than the version asked for (" + target + ")");
            }
            if (o.rebuild == Rebuild.ALWAYS) {
                return full(target, from, Action.REBUILT, "--rebuild always");
            }
            if (o.compact) {
                return full(target, from, Action.COMPACTED, "compaction was asked for");
            }
            if (target == from) {
                return new Result(Action.UP_TO_DATE, "no commits after version " + from, from, target, 0, 0, 0, Double.NaN,
                        base.generation(), m, 0);
            }
            if (DeltaCommits.firstDataChange(org.apache.spark.sql.delta.DeltaLog.forTable(spark, table), from, target) < 0) {
                return new Result(Action.UP_TO_DATE, "the commits after version " + from + " changed no data", from, target, 0, 0,
                        0, Double.NaN, base.generation(), m, 0);
            }
            requireChangeFeed(from);
            try {
                return incremental(from, target);
            } catch (Exception e) { // Spark's job failures are checked exceptions thrown undeclared
                if (causedBy(e, java.io.FileNotFoundException.class)) {
                    throw new InvalidInputException("the change feed of " + table + " from version " + (from + 1) + " can no "
                            + "longer be read: its files were removed (VACUUM?); run reindex --full to re-index the whole table", e);
                }
                throw RabitqModel.unwrap(e);
            }
        }

        long recordedVersion() {
            try {
                return Long.parseLong(m.sourceVersion());
            } catch (NumberFormatException e) {
                throw new InvalidInputException("bundle " + base.directory() + " records source version '" + m.sourceVersion()
                        + "', not a Delta version; rebuild it with index --input " + table);
            }
        }

        void requireChangeFeed(long from) {
            Row detail = DeltaTable.forPath(spark, table).detail().select("properties").first();
            scala.collection.Map<String, String> props = detail.getMap(0);
            boolean on = props.get("delta.enableChangeDataFeed").map(v -> v.equalsIgnoreCase("true")).getOrElse(() -> false);
            if (!on) {
                throw new InvalidInputException(table + " has no change data feed, which reindex reads; enable it with "
                        + "ALTER TABLE delta.`" + table + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = true) and run "
                        + "reindex --full once (it re-indexes the whole table) to start following it");
            }
        }

        Codebook codebook() {
            return new Codebook(Metric.parse(m.metric()), m.dim(), RotationKind.valueOf(m.rotationKind().toUpperCase(Locale.ROOT)),
                    m.rotationSeed(), m.paddedDim(), m.bits(), base.readCentroids());
        }

        /** The table's net change per id between the base version and {@code target}: (id, vector, removed, added). */
        Dataset<Row> netChanges(long from, long target) {
            Dataset<Row> feed;
            try {
                feed = spark.read().format("delta").option("readChangeFeed", "true")
                        .option("startingVersion", from + 1).option("endingVersion", target).load(table);
            } catch (RuntimeException e) {
                throw new InvalidInputException("cannot read the change feed of " + table + " from version " + (from + 1)
                        + " (" + firstLine(e) + "); if it was enabled after that version or those versions were vacuumed, "
                        + "run reindex --full to re-index the whole table", e);
            }
            Column removedFirst = functions.col("_change_type").isin(REMOVED.toArray());
            Dataset<Row> events = VectorColumns.select(feed, o.idCol, o.vectorCol, col("_change_type"),
                    col("_commit_version").multiply(2).plus(when(removedFirst, lit(0)).otherwise(lit(1))).as("ord"));
            Column image = functions.struct(col("_change_type").as("type"), col("vector"));
            return events.groupBy("id").agg(functions.min_by(image, col("ord")).as("first"), functions.max_by(image, col("ord")).as("last"))
                    .select(col("id"), col("last.vector").as("vector"), col("first.type").isin(REMOVED.toArray()).as("removed"),
                            functions.not(col("last.type").isin(REMOVED.toArray())).as("added"),
                            col("first.vector").as("old_vector"));
        }

        Result incremental(long from, long target) {
            Codebook codebook = codebook();
            Broadcast<Codebook> book = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(codebook);
            Dataset<Row> net = netChanges(from, target).persist(StorageLevel.MEMORY_AND_DISK());
            Dataset<Row> added = null;
            try {
                List<Row> removed = JobPhase.run(spark.sparkContext(), "reindex: locate removed rows", () -> PartitionFiles.assign(
                        net.filter(col("removed")).select(col("id"), col("old_vector").as("vector")), book)
                        .select("id", "cluster").collectAsList());
                added = PartitionFiles.assign(net.filter(col("added")).select("id", "vector"), book).persist(StorageLevel.MEMORY_AND_DISK());
                PartitionFiles.ClusterStats stats = PartitionFiles.ClusterStats.of(added, m.nlist(), "reindex: assign inserted rows");
                Deletions deletions = locate(removed);
                long deltaRows = param(DELTA_ROWS_PARAM, 0) + stats.total();
                double deltaResidual = param(DELTA_RESIDUAL_PARAM, 0.0) + stats.meanResidualSq() * stats.total();
                double buildResidual = param(RabitqModel.MEAN_RESIDUAL_PARAM, Double.NaN);
                double drift = deltaRows == 0 || !(buildResidual > 0) ? Double.NaN : deltaResidual / deltaRows / buildResidual;
                long live = m.rows() + stats.total() - deletions.rows;
                long deletedRows = deletions.totalRows(m);
                if (o.rebuild == Rebuild.AUTO && drift > o.driftLimit && deltaRows >= Math.max(100, live / 1000)) {
                    return full(target, from, Action.REBUILT, String.format(Locale.ROOT, "drift: the %d rows added since the "
                            + "last build are %.2fx as far from their centroids (mean squared distance) as the indexed rows were "
                            + "(limit %.2f)", deltaRows, drift, o.driftLimit), drift);
                }
                if (deltaRows + deletedRows > o.compactAt * Math.max(1, live)) {
                    return full(target, from, Action.COMPACTED, String.format(Locale.ROOT, "%d delta rows and %d deleted rows "
                            + "pass %.0f%% of the %d live rows (compaction threshold)", deltaRows, deletedRows, 100 * o.compactAt, live));
                }
                Map<String, String> params = new TreeMap<>(m.params());
                params.put(DELTA_ROWS_PARAM, Long.toString(deltaRows));
                params.put(DELTA_RESIDUAL_PARAM, String.format(Locale.ROOT, "%.6g", deltaResidual));
                BundleSpec spec = new BundleSpec(m.dim(), m.paddedDim(), m.metric(), m.bits(), m.rotationKind(), m.rotationSeed(),
                        m.nlist(), params, m.factorColumns(), m.hasRaw(), m.sourceRef(), Long.toString(target), m.tags());
                try (GenerationWriter g = GenerationWriter.begin(base.directory(), spec)) {
                    g.reuseCentroids(base);
                    for (int p = 0; p < m.partitions().size(); p++) {
                        if (deletions.ids[p] == null) {
                            g.reusePartition(base, p);
                        } else {
                            g.reusePartition(base, p, deletions.ids[p], deletions.partitionRows[p]);
                        }
                    }
                    int[] slot = new int[m.nlist()];
                    int slots = ownerSlots(stats.rows(), slot);
                    if (slots > 0) {
                        PartitionFiles.write(added, new ClusterPartitioner(slot, slots), book, g, m.partitions().size(),
                                "reindex: quantize inserted rows");
                    }
                    Manifest published = g.publishOver(base.generation());
                    return new Result(Action.INCREMENTAL, "changes of versions " + (from + 1) + " to " + target, from, target,
                            stats.total(), deletions.rows, deletions.unmatched, drift, g.generation(), published,
                            newBytes(published));
                }
            } finally {
                net.unpersist();
                if (added != null) {
                    added.unpersist();
                }
            }
        }

        double param(String key, double absent) {
            String v = m.params().get(key);
            return v == null ? absent : Double.parseDouble(v);
        }

        long param(String key, long absent) {
            String v = m.params().get(key);
            return v == null ? absent : Long.parseLong(v);
        }

        /**
         * Gives each partition that holds a cluster receiving rows a slot (a delta file of its own), so delta files join
         * the partition whose clusters they extend; a cluster no partition holds goes with the nearest lower held
         * cluster's partition. Returns the number of slots; {@code slot[c]} is cluster c's.
         */
        int ownerSlots(long[] rowsPerCluster, int[] slot) {
            int[] owner = new int[m.nlist()];
            Arrays.fill(owner, -1);
            for (int p = m.partitions().size() - 1; p >= 0; p--) {
                for (Manifest.ClusterRange r : m.partitions().get(p).clusters()) {
                    owner[r.cluster()] = p; // the lowest partition holding the cluster wins
                }
            }
            for (int c = 0, last = 0; c < owner.length; c++) {
                owner[c] = owner[c] < 0 ? last : owner[c];
                last = owner[c];
            }
            Map<Integer, Integer> slotOfOwner = new TreeMap<>();
            for (int c = 0; c < owner.length; c++) {
                if (rowsPerCluster[c] > 0) {
                    slotOfOwner.putIfAbsent(owner[c], 0);
                }
            }
            int n = 0;
            for (Map.Entry<Integer, Integer> e : slotOfOwner.entrySet()) {
                e.setValue(n++);
            }
            for (int c = 0; c < owner.length; c++) {
                slot[c] = slotOfOwner.getOrDefault(owner[c], 0);
            }
            return n;
        }

        /** Where removed rows are: per partition the new deletion set, from each removed id's cluster at the base version. */
        Deletions locate(List<Row> removed) {
            Map<Integer, List<Long>> byCluster = new HashMap<>();
            for (Row r : removed) {
                byCluster.computeIfAbsent(r.getInt(1), c -> new ArrayList<>()).add(r.getLong(0));
            }
            int parts = m.partitions().size();
            Deletions d = new Deletions(parts);
            Set<Long> matched = new HashSet<>();
            for (int p = 0; p < parts; p++) {
                Manifest.PartitionEntry entry = m.partitions().get(p);
                if (entry.clusters().stream().noneMatch(r -> byCluster.containsKey(r.cluster()))) {
                    continue;
                }
                long[] stored = base.readStoredIds(p);
                long[] old = base.readDeletes(p);
                Set<Long> added = new HashSet<>();
                long rows = 0;
                for (Manifest.ClusterRange r : entry.clusters()) {
                    List<Long> wanted = byCluster.get(r.cluster());
                    if (wanted == null) {
                        continue;
                    }
                    Set<Long> wantedSet = new HashSet<>(wanted);
                    for (long k = r.firstRow(); k < r.firstRow() + r.rows(); k++) {
                        long id = stored[(int) k];
                        if (wantedSet.contains(id) && Arrays.binarySearch(old, id) < 0) {
                            added.add(id);
                            rows++;
                        }
                    }
                }
                if (!added.isEmpty()) {
                    matched.addAll(added);
                    long[] union = new long[old.length + added.size()];
                    System.arraycopy(old, 0, union, 0, old.length);
                    int i = old.length;
                    for (long id : added) {
                        union[i++] = id;
                    }
                    Arrays.sort(union);
                    d.ids[p] = union;
                    d.partitionRows[p] = (entry.deletes() == null ? 0 : entry.deletes().rows()) + rows;
                    d.rows += rows;
                }
            }
            d.unmatched = removed.stream().filter(r -> !matched.contains(r.getLong(0))).count();
            return d;
        }

        /** Re-indexes the whole table at {@code target}: with the frozen centroids (compaction) or retrained ones. */
        Result full(long target, long from, Action action, String reason) {
            return full(target, from, action, reason, Double.NaN);
        }

        Result full(long target, long from, Action action, String reason, double drift) {
            Dataset<Row> rows = spark.read().format("delta").option("versionAsOf", target).load(table);
            RabitqModel model;
            if (action == Action.REBUILT) {
                model = new RabitqIndexer().setIdCol(o.idCol).setInputCol(o.vectorCol).setMetric(m.metric()).setNlist(m.nlist())
                        .setBits(m.bits()).setSeed(m.rotationSeed()).setRotation(m.rotationKind()).setStoreRaw(m.hasRaw())
                        .fit(rows);
            } else {
                int calibrated = (int) param("calibrated_nprobe", 0L);
                String curve = m.params().get(io.rabitq.core.IvfRabitqIndex.RECALL_CURVE_PARAM);
                model = new RabitqModel(org.apache.spark.ml.util.Identifiable.randomUID("rabitq"), codebook(), calibrated,
                        curve == null ? null : io.rabitq.core.RecallCurve.parse(curve))
                        .setStoreRaw(m.hasRaw());
                model.setIdCol(o.idCol).setInputCol(o.vectorCol);
            }
            int partitions = o.partitions > 0 ? o.partitions : spark.sparkContext().defaultParallelism();
            String[] generation = new String[1];
            Manifest published = model.index(rows, base.directory().toString(), partitions,
                    new IndexBundles.Source(ref, Long.toString(target), m.tags()), g -> {
                        Manifest p = g.publishOver(base.generation());
                        generation[0] = g.generation();
                        return p;
                    });
            return new Result(action, reason, from, target, published.rows(), 0, 0, drift, generation[0], published,
                    newBytes(published));
        }

        /** Bytes of the files of {@code published} that are not the base generation's (reused files are hard links). */
        long newBytes(Manifest published) {
            Set<String> reused = new HashSet<>();
            m.partitions().forEach(p -> reused.add(p.sha256()));
            long bytes = published.centroids().sha256().equals(m.centroids().sha256()) ? 0 : published.centroids().bytes();
            for (Manifest.PartitionEntry p : published.partitions()) {
                bytes += reused.contains(p.sha256()) ? 0 : p.bytes();
                if (p.deletes() != null && m.partitions().stream().noneMatch(q -> q.deletes() != null
                        && q.deletes().sha256().equals(p.deletes().sha256()))) {
                    bytes += p.deletes().bytes();
                }
            }
            return bytes;
        }
    }

    /** The new deletion sets of a run: per partition the full set (null: unchanged) and the rows it removes. */
    private static final class Deletions {
        final long[][] ids;
        final long[] partitionRows;
        long rows;
        long unmatched;

        Deletions(int partitions) {
            ids = new long[partitions][];
            partitionRows = new long[partitions];
        }

        /** Rows deleted in the new generation over all partitions. */
        long totalRows(Manifest m) {
            long total = 0;
            for (int p = 0; p < ids.length; p++) {
                Manifest.Deletes old = m.partitions().get(p).deletes();
                total += ids[p] != null ? partitionRows[p] : old == null ? 0 : old.rows();
            }
            return total;
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(Throwable e) {
        String msg = String.valueOf(e.getMessage());
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }
}
