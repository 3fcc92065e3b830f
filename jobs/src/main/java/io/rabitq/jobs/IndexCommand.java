package io.rabitq.jobs;

import io.rabitq.bundle.Manifest;
import io.rabitq.lake.IndexBundles;
import io.rabitq.spark.IndexedTables;
import io.rabitq.spark.InvalidInputException;
import io.rabitq.spark.RabitqModel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code index}: quantizes a table into a new generation of a bundle with a saved model. */
@Command(name = "index", sortOptions = false,
        description = "Quantize a table into a bundle with a saved model (one partition file per task).")
final class IndexCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, paramLabel = "TABLE", description = "Delta table or Parquet directory of vectors")
    String input;
    @Option(names = "--version", paramLabel = "V", description = "Delta version to read (default: the latest)")
    String version;
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "a model saved by train")
    String model;
    @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "bundle directory to publish a generation in")
    String bundle;
    @Option(names = "--partitions", defaultValue = "0", description = "partition files (default: 0 = one per core)")
    int partitions;
    @Option(names = "--retain", defaultValue = "0",
            description = "after publishing, keep only the newest N generations (never one a reader holds; default: 0 = keep all)")
    int retain;
    @Option(names = "--abandoned-hours", defaultValue = "24",
            description = "first remove temporary work of killed writers untouched this long (default: ${DEFAULT-VALUE})")
    int abandonedHours;
    @Option(names = "--replace-source", description = "allow writing a bundle recorded as built from another table")
    boolean replaceSource;
    @Option(names = "--register", description = "register the bundle in the Delta table's properties, so that APPROX NEAREST BY "
            + "joins against the table search it")
    boolean register;

    @Override
    public Integer call() {
        if (retain < 0 || abandonedHours < 0) {
            throw new InvalidInputException("--retain and --abandoned-hours must be >= 0");
        }
        BundleHousekeeping.checkSource(bundle, input, replaceSource);
        if (register && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(input, "_delta_log"))) {
            throw new InvalidInputException("--register needs a Delta table, but " + input + " has no _delta_log");
        }
        List<String> abandoned = BundleHousekeeping.removeAbandoned(bundle, abandonedHours);
        SparkSession spark = Sessions.get("spark-rabitq index");
        try {
            long t0 = System.nanoTime();
            RabitqModel m = RabitqModel.load(model);
            Sessions.Table t = Sessions.read(spark, input, version);
            int p = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism(); // one search wave
            Manifest man = m.index(t.rows(), bundle, p, new IndexBundles.Source(t.source(), t.version(), Map.of()));
            Phases.line("indexed %d rows of %s into %s: %d partitions, generation witness %s", t0, man.rows(), t.source(), bundle,
                    man.partitions().size(), man.witness().substring(0, 12));
            List<String> retired = BundleHousekeeping.retain(bundle, retain);
            if (register) {
                long t1 = System.nanoTime();
                IndexedTables.register(spark, input, bundle, m.getIdCol(), m.getInputCol());
                Phases.line("registered %s as the index of %s (table properties %s, %s, %s)", t1, bundle, input,
                        IndexedTables.BUNDLE, IndexedTables.ID_COLUMN, IndexedTables.VECTOR_COLUMN);
            }
            new Json().put("bundle", bundle).put("registered", register).put("rows", man.rows()).put("partitions", man.partitions().size())
                    .put("witness", man.witness()).put("removed_generations", retired).put("removed_abandoned", abandoned).print();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
