package io.rabitq.jobs;

import io.rabitq.spark.InvalidInputException;
import io.rabitq.spark.ProgressListener;
import io.rabitq.spark.RabitqReindex;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The jobs' SparkSession and table access. */
public final class Sessions {
    private Sessions() {
    }

    /**
     * The session for a job. Master and confs come from {@code spark-submit} (which {@code bin/spark-rabitq} runs);
     * without them (a plain {@code java} run) the master is {@code local[*]}. Delta and {@code rabitq_search} are
     * installed unless the submitter configured other extensions, and {@link ProgressListener} unless other listeners are.
     */
    public static SparkSession get(String appName) {
        SparkConf conf = new SparkConf();
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (!conf.contains("spark.master")) {
            b.master("local[*]");
        }
        if (conf.get("spark.master", "local[*]").startsWith("local") && !conf.contains("spark.databricks.delta.snapshotPartitions")) {
            b.config("spark.databricks.delta.snapshotPartitions", "2"); // Delta's default of 50 tasks only adds overhead locally
        }
        if (!conf.contains("spark.sql.extensions")) {
            b.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension,io.rabitq.spark.RabitqExtensions");
        }
        if (!conf.contains("spark.sql.catalog.spark_catalog")) {
            b.config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
        }
        if (!conf.contains("spark.extraListeners")) {
            b.config("spark.extraListeners", ProgressListener.class.getName());
        }
        if (!conf.contains("spark.sql.shuffle.partitions")) {
            b.config("spark.sql.shuffle.partitions", "8");
        }
        return b.getOrCreate();
    }

    /** A vector table: Delta when {@code path/_delta_log} exists (at {@code version}, or the latest), else Parquet. */
    public static Table read(SparkSession spark, String path, String version) {
        if (Files.isDirectory(Path.of(path, "_delta_log"))) {
            String v = version != null ? version
                    : Long.toString(io.delta.tables.DeltaTable.forPath(spark, path).history(1).first().getLong(0));
            return new Table(spark.read().format("delta").option("versionAsOf", v).load(path), RabitqReindex.sourceRef(path), v);
        }
        if (version != null) {
            throw new InvalidInputException("--version needs a Delta table but " + path + " has no _delta_log");
        }
        if (!Files.exists(Path.of(path))) {
            throw new InvalidInputException("input " + path + " does not exist; give a Delta table or Parquet directory");
        }
        return new Table(spark.read().parquet(path), RabitqReindex.sourceRef(path), "");
    }

    /** A table read for a job, with what the bundle manifest records about its source. */
    public record Table(Dataset<Row> rows, String source, String version) {
    }

    /** Refuses, before any Spark job, a write mode we do not know and an output that exists when the mode is the default. */
    public static void checkOutput(String output, String mode) {
        if (!java.util.List.of("errorifexists", "overwrite", "append").contains(mode)) {
            throw new InvalidInputException("--mode must be errorifexists, overwrite or append but was '" + mode + "'");
        }
        Path out = localPath(output);
        if (mode.equals("errorifexists") && out != null && Files.exists(out)) {
            throw new InvalidInputException("--output " + output + " already exists; choose another path, or pass --mode overwrite "
                    + "or --mode append");
        }
    }

    /** The local file a path names (plain or {@code file:}), or null for other file systems (checked by Spark then). */
    static Path localPath(String path) {
        if (path.startsWith("file:")) {
            return Path.of(java.net.URI.create(path));
        }
        return path.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*") ? null : Path.of(path);
    }
}
