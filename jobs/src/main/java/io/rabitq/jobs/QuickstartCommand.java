package io.rabitq.jobs;

import io.rabitq.bundle.Manifest;
import io.rabitq.core.Metric;
import io.rabitq.lake.IndexBundles;
import io.rabitq.spark.ExactSearch;
import io.rabitq.spark.IndexedTables;
import io.rabitq.spark.RabitqIndexer;
import io.rabitq.spark.RabitqModel;
import io.rabitq.spark.RabitqSearch;
import io.rabitq.spark.SyntheticVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quickstart}: the whole pipeline on an embedded Spark — a synthetic Delta table, training, indexing into
 * a bundle, a distributed batch search, and an exact distributed brute force for recall and a speed baseline.
 * Prints one summary line per phase and, last, a JSON object.
 */
@SuppressWarnings("unchecked")
@Command(name = "quickstart", sortOptions = false,
        description = "Synthetic Delta table -> train -> index into a bundle -> searchBatch -> recall against exact search.")
final class QuickstartCommand implements Callable<Integer> {
    @Option(names = "--n", defaultValue = "200000", description = "vectors (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--dim", defaultValue = "128", description = "dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--queries", defaultValue = "1000", description = "queries (default: ${DEFAULT-VALUE})")
    int nq;
    @Option(names = "--k", defaultValue = "10", description = "neighbours per query (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--seed", defaultValue = "42", description = "seed of data, sample, k-means and rotation (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--dir", defaultValue = ".rabitq/quickstart", description = "working directory (default: ${DEFAULT-VALUE})")
    Path dirArg;
    @Option(names = "--partitions", defaultValue = "0", description = "bundle partitions (default: 0 = one per core)")
    int partitions;

    @Override
    public Integer call() throws java.io.IOException {
        Path dir = dirArg.toAbsolutePath();
        Files.createDirectories(dir);
        SparkSession spark = Sessions.get("spark-rabitq quickstart");
        try {
            // one bundle partition per core: searchBatch answers a batch in a single wave of tasks
            int p = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
            String table = dir.resolve("vectors").toString();
            String bundle = dir.resolve("bundle").toString();

            long t0 = System.nanoTime();
            SyntheticVectors.generate(spark, 0, n, dim, seed, p).write().format("delta").mode("overwrite").save(table);
            long version = io.delta.tables.DeltaTable.forPath(spark, table).history(1).first().getLong(0);
            Phases.line("generated Delta table %s: %d x %d (version %d)", t0, table, n, dim, version);

            Dataset<Row> vectors = spark.read().format("delta").option("versionAsOf", version).load(table);
            t0 = System.nanoTime();
            RabitqModel model = new RabitqIndexer().setIdCol("id").setInputCol("vector").setSeed(seed).fit(vectors);
            Phases.line("trained %d IVF centroids on a sample", t0, model.nlist());

            t0 = System.nanoTime();
            Manifest m = model.index(vectors, bundle, p, new IndexBundles.Source(io.rabitq.spark.RabitqReindex.sourceRef(table), Long.toString(version), Map.of()));
            double indexSeconds = Phases.seconds(t0);
            long bundleBytes = m.partitions().stream().mapToLong(Manifest.PartitionEntry::bytes).sum() + m.centroids().bytes();
            Phases.line("indexed into bundle %s: %d partitions, %.1f MB", t0, bundle, m.partitions().size(), bundleBytes / 1e6);
            io.rabitq.bundle.Bundles.retain(Path.of(bundle), 2); // repeated quickstarts keep two generations, not all
            t0 = System.nanoTime();
            IndexedTables.register(spark, table, bundle, "id", "vector");
            Phases.line("registered the bundle as the index of %s: APPROX NEAREST BY joins against it search the bundle", t0, table);

            Dataset<Row> queries = SyntheticVectors.generate(spark, n, n + nq, dim, seed, 2).toDF("query_id", "query").cache();
            queries.count();
            int nprobe = model.calibratedNprobe();
            t0 = System.nanoTime();
            List<Row>[] found = new List[1];
            double searchSeconds = Phases.medianSeconds(9, () -> found[0] = RabitqSearch.searchBatch(queries, "query_id", "query", bundle, k, nprobe)
                    .collectAsList());
            Phases.line("searchBatch of %d queries, k=%d, nprobe=%d: %.0f queries/s (median of 9 runs after a 3 s warm-up)", t0, nq, k, nprobe,
                    nq / searchSeconds);

            vectors.cache().count();
            t0 = System.nanoTime();
            List<Row>[] exact = new List[1];
            double exactSeconds = Phases.medianSeconds(3, () -> exact[0] = ExactSearch.searchBatch(vectors, "id", "vector", queries, "query_id",
                    "query", Metric.L2, k).collectAsList());
            Phases.line("exact distributed brute force: %.0f queries/s (median of 3 runs after a 3 s warm-up)", t0, nq / exactSeconds);

            double recall = Phases.recall(found[0], exact[0], k);
            System.err.printf("recall@%d = %.4f; searchBatch is %.1fx faster than exact brute force%n", k, recall,
                    exactSeconds / searchSeconds);
            new Json().put("n", n).put("dim", dim).put("k", k).put("nprobe", nprobe).put("recall_at_10", Json.round(recall, 4))
                    .put("search_qps", Json.round(nq / searchSeconds, 1)).put("exact_qps", Json.round(nq / exactSeconds, 1))
                    .put("index_seconds", Json.round(indexSeconds, 2)).put("bundle_bytes", bundleBytes)
                    .put("partitions", m.partitions().size()).put("bits", m.bits()).put("has_raw", m.hasRaw())
                    .put("bytes_per_vector", Json.round((double) bundleBytes / n, 1)).print();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
