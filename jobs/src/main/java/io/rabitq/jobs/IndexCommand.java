package io.rabitq.jobs;

import io.rabitq.bundle.Manifest;
import io.rabitq.lake.IndexBundles;
import io.rabitq.spark.RabitqModel;
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

    @Override
    public Integer call() {
        SparkSession spark = Sessions.get("spark-rabitq index");
        try {
            long t0 = System.nanoTime();
            RabitqModel m = RabitqModel.load(model);
            Sessions.Table t = Sessions.read(spark, input, version);
            int p = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism(); // one search wave
            Manifest man = m.index(t.rows(), bundle, p, new IndexBundles.Source(t.source(), t.version(), Map.of()));
            Phases.line("indexed %d rows of %s into %s: %d partitions, generation witness %s", t0, man.rows(), t.source(), bundle,
                    man.partitions().size(), man.witness().substring(0, 12));
            new Json().put("bundle", bundle).put("rows", man.rows()).put("partitions", man.partitions().size())
                    .put("witness", man.witness()).print();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
