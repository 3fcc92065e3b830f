package io.rabitq.jobs;

import io.rabitq.spark.InvalidInputException;
import io.rabitq.spark.RabitqReindex;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reindex}: brings a bundle up to its Delta table through the table's change feed (see {@link RabitqReindex}).
 * {@code --watch} repeats it in a plain loop: each round is the same short batch job a scheduler would run, and the
 * bundle's manifest, which records the table version it reflects, is the only checkpoint, so a watcher and cron
 * runs can be mixed or replaced at any time.
 */
@Command(name = "reindex", sortOptions = false,
        description = {"Bring a bundle up to its Delta table by reading the table's change data feed: inserts are quantized with the",
            "bundle's frozen centroids into small delta files, deletes and updates become deletion sets, unchanged files are reused;",
            "compacts (re-indexes the whole table) past --compact-at and retrains the centroids when new rows drift (--rebuild auto).",
            "Without new commits it publishes nothing and says \"up to date\"."})
final class ReindexCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, paramLabel = "TABLE", description = "the Delta table the bundle was indexed from")
    String input;
    @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "bundle directory to bring up to date")
    String bundle;
    @Option(names = "--id-col", defaultValue = "id", description = "id column (default: ${DEFAULT-VALUE})")
    String idCol;
    @Option(names = "--vector-col", defaultValue = "vector", description = "vector column (default: ${DEFAULT-VALUE})")
    String vectorCol;
    @Option(names = "--to-version", paramLabel = "V", description = "stop at this table version (default: the latest)")
    Long toVersion;
    @Option(names = {"--compact", "--full"},
            description = "re-index the whole table with the frozen centroids (folds delta files and deletions; needs no change feed)")
    boolean compact;
    @Option(names = "--rebuild", defaultValue = "auto", paramLabel = "auto|never|always",
            description = "retrain the centroids: when new rows drift past --drift-limit, never, or always (default: ${DEFAULT-VALUE})")
    String rebuild;
    @Option(names = "--compact-at", defaultValue = "0.2",
            description = "compact when delta rows plus deleted rows pass this fraction of the live rows (default: ${DEFAULT-VALUE})")
    double compactAt;
    @Option(names = "--drift-limit", defaultValue = "1.5",
            description = "rebuild when new rows' mean squared distance to their centroid passes the build's times this (default: ${DEFAULT-VALUE})")
    double driftLimit;
    @Option(names = "--replace-source", description = "allow re-indexing a bundle recorded as built from another table (a full rebuild)")
    boolean replaceSource;
    @Option(names = "--partitions", defaultValue = "0", description = "partition files of a full run (default: 0 = one per core)")
    int partitions;
    @Option(names = "--retain", defaultValue = "0",
            description = "after publishing, keep only the newest N generations (never one a reader holds; default: 0 = keep all)")
    int retain;
    @Option(names = "--abandoned-hours", defaultValue = "24",
            description = "first remove temporary work of killed writers untouched this long (default: ${DEFAULT-VALUE})")
    int abandonedHours;
    @Option(names = "--watch", description = "keep following the table: run again every --interval until stopped")
    boolean watch;
    @Option(names = "--interval", defaultValue = "5m", description = "pause between --watch rounds, e.g. 30s, 5m, 1h (default: ${DEFAULT-VALUE})")
    String interval;

    @Override
    public Integer call() throws InterruptedException {
        if (retain < 0 || abandonedHours < 0) {
            throw new InvalidInputException("--retain and --abandoned-hours must be >= 0");
        }
        RabitqReindex.Options options = new RabitqReindex.Options().columns(idCol, vectorCol).toVersion(toVersion).compact(compact)
                .rebuild(rebuildMode()).compactAt(compactAt).driftLimit(driftLimit).replaceSource(replaceSource).partitions(partitions);
        Duration pause = pause();
        BundleHousekeeping.checkSource(bundle, input, replaceSource);
        SparkSession spark = Sessions.get("spark-rabitq reindex");
        try {
            while (true) {
                round(spark, options);
                if (!watch) {
                    return 0;
                }
                Thread.sleep(pause.toMillis());
            }
        } finally {
            spark.stop();
        }
    }

    private void round(SparkSession spark, RabitqReindex.Options options) {
        long t0 = System.nanoTime();
        List<String> abandoned = BundleHousekeeping.removeAbandoned(bundle, abandonedHours);
        RabitqReindex.Result r = RabitqReindex.run(spark, input, bundle, options);
        if (r.action() == RabitqReindex.Action.UP_TO_DATE) {
            Phases.line("%s is up to date with %s at version %d; nothing published", t0, bundle, input, r.toVersion());
        } else {
            Phases.line("%s: %s -> %s (%s): +%d rows, -%d rows, %d partition files, %.1f MB written", t0,
                    r.action().name().toLowerCase(Locale.ROOT), bundle, r.generation(), r.reason(), r.inserted(), r.deleted(),
                    r.manifest().partitions().size(), r.bytesWritten() / 1e6);
        }
        if (r.unmatchedDeletes() > 0) {
            System.err.println("warning: " + r.unmatchedDeletes() + " deleted ids were not in the bundle (was it built from "
                    + "another version of the table?); nothing to remove for them");
        }
        List<String> retired = r.action() == RabitqReindex.Action.UP_TO_DATE ? List.of() : BundleHousekeeping.retain(bundle, retain);
        new Json().put("bundle", bundle).put("action", r.action().name().toLowerCase(Locale.ROOT)).put("reason", r.reason())
                .put("from_version", r.fromVersion()).put("to_version", r.toVersion()).put("generation", r.generation())
                .put("inserted", r.inserted()).put("deleted", r.deleted()).put("unmatched_deletes", r.unmatchedDeletes())
                .put("drift", Double.isNaN(r.drift()) ? null : Json.round(r.drift(), 3)).put("rows", r.manifest().rows())
                .put("partitions", r.manifest().partitions().size()).put("bytes_written", r.bytesWritten())
                .put("witness", r.manifest().witness()).put("removed_generations", retired).put("removed_abandoned", abandoned)
                .put("seconds", Json.round(Phases.seconds(t0), 2)).print();
    }

    private RabitqReindex.Rebuild rebuildMode() {
        try {
            return RabitqReindex.Rebuild.valueOf(rebuild.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--rebuild must be auto, never or always but was '" + rebuild + "'");
        }
    }

    private Duration pause() {
        try {
            Duration d = Duration.parse("PT" + interval.toUpperCase(Locale.ROOT));
            if (d.isNegative() || d.isZero()) {
                throw new InvalidInputException("--interval must be positive but was '" + interval + "'");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new InvalidInputException("--interval must look like 30s, 5m or 1h but was '" + interval + "'");
        }
    }
}
