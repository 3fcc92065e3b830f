package io.rabitq.jobs;

import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.spark.InvalidInputException;
import io.rabitq.spark.RabitqIndexer;
import io.rabitq.spark.RabitqModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code train}: samples a vector table, fits IVF centroids and saves the model. */
@Command(name = "train", sortOptions = false,
        description = "Sample a vector table (Delta or Parquet), fit IVF centroids and save the model.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, paramLabel = "TABLE", description = "Delta table or Parquet directory of vectors")
    String input;
    @Option(names = "--version", paramLabel = "V", description = "Delta version to read (default: the latest)")
    String version;
    @Option(names = "--id-col", defaultValue = "id", description = "id column (default: ${DEFAULT-VALUE})")
    String idCol;
    @Option(names = "--vector-col", defaultValue = "vector", description = "vector column (default: ${DEFAULT-VALUE})")
    String vectorCol;
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "where to save the model")
    String model;
    @Option(names = "--overwrite", description = "replace an existing model at --model")
    boolean overwrite;
    @Option(names = "--nlist", defaultValue = "0", description = "IVF clusters (default: 0 = 4 sqrt(n), at most n / 100)")
    int nlist;
    @Option(names = "--metric", defaultValue = "l2", description = "l2, ip or cosine (default: ${DEFAULT-VALUE})")
    String metric;
    @Option(names = "--sample-size", defaultValue = "200000", description = "most rows k-means trains on (default: ${DEFAULT-VALUE})")
    int sampleSize;
    @Option(names = "--seed", defaultValue = "42", description = "seed of sample, k-means and rotation (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--bits", defaultValue = "" + IvfRabitqIndex.DEFAULT_BITS,
            description = "code bits per dimension, 1 to 9: more bits, better estimates, larger bundles (default: ${DEFAULT-VALUE})")
    int bits;
    @Option(names = "--store-raw", defaultValue = "" + IvfRabitqIndex.DEFAULT_STORE_RAW, negatable = true,
            description = "bundles keep raw vectors for an exact rerank (4 bytes per dimension per row; default: ${DEFAULT-VALUE})")
    boolean storeRaw;

    @Override
    public Integer call() throws IOException {
        RabitqIndexer indexer = new RabitqIndexer().setIdCol(idCol).setInputCol(vectorCol).setNlist(nlist).setMetric(metric)
                .setSampleSize(sampleSize).setSeed(seed).setBits(bits).setStoreRaw(storeRaw);
        Path local = Sessions.localPath(model);
        if (!overwrite && local != null && Files.exists(local)) {
            throw new InvalidInputException("--model " + model + " already exists; pass --overwrite to replace it, "
                    + "or choose another path");
        }
        SparkSession spark = Sessions.get("spark-rabitq train");
        try {
            long t0 = System.nanoTime();
            RabitqModel m = indexer.fit(Sessions.read(spark, input, version).rows());
            (overwrite ? m.write().overwrite() : m.write()).save(model);
            Phases.line("trained %d IVF centroids (dim %d, %d-bit codes, default nprobe %d) on a sample of %s; model saved to %s", t0,
                    m.nlist(), m.dim(), m.bits(), m.calibratedNprobe(), input, model);
            new Json().put("model", model).put("nlist", m.nlist()).put("dim", m.dim()).put("bits", m.bits())
                    .put("store_raw", m.getStoreRaw()).put("default_nprobe", m.calibratedNprobe()).print();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
