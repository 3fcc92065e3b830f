package io.rabitq.jobs;

import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Metric;
import io.rabitq.lake.IndexBundles;
import io.rabitq.spark.ExactSearch;
import io.rabitq.spark.RabitqIndexer;
import io.rabitq.spark.RabitqModel;
import io.rabitq.spark.RabitqSearch;
import io.rabitq.spark.SyntheticVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code quickstart}: the whole pipeline on an embedded Spark — a synthetic Delta table, training, indexing into
 * a bundle, a distributed batch search, and an exact distributed brute force for recall and a speed baseline.
 * Prints one summary line per phase and, last, a JSON object.
 */
@SuppressWarnings("unchecked")
final class QuickstartCommand {

    int run(Args args) throws java.io.IOException {
        int n = args.integer("n", 200_000);
        int dim = args.integer("dim", 128);
        int nq = args.integer("queries", 1000);
        int k = args.integer("k", 10);
        long seed = args.longValue("seed", 42);
        String dirArg = args.string("dir", ".rabitq/quickstart");
        int partitions = args.integer("partitions", 0);
        if (args.flag("help")) {
            System.out.println("quickstart [--n 200000] [--dim 128] [--queries 1000] [--k 10] [--dir .rabitq/quickstart] [--partitions P (default: one per core)]");
            return 0;
        }
        args.checkAllUsed();
        Path dir = Path.of(dirArg).toAbsolutePath();
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
            Manifest m = model.index(vectors, bundle, p, new IndexBundles.Source("delta:" + table, Long.toString(version), Map.of()));
            double indexSeconds = Phases.seconds(t0);
            long bundleBytes = m.partitions().stream().mapToLong(Manifest.PartitionEntry::bytes).sum() + m.centroids().bytes();
            Phases.line("indexed into bundle %s: %d partitions, %.1f MB", t0, bundle, m.partitions().size(), bundleBytes / 1e6);
            io.rabitq.bundle.Bundles.retain(Path.of(bundle), 2); // repeated quickstarts keep two generations, not all

            Dataset<Row> queries = SyntheticVectors.generate(spark, n, n + nq, dim, seed, 2).toDF("query_id", "query").cache();
            queries.count();
            int nprobe = IvfRabitqIndex.defaultNprobe(model.nlist());
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
            System.out.printf("{\"n\":%d,\"dim\":%d,\"k\":%d,\"nprobe\":%d,\"recall_at_10\":%.4f,\"search_qps\":%.1f,\"exact_qps\":%.1f,"
                            + "\"index_seconds\":%.2f,\"bundle_bytes\":%d,\"partitions\":%d}%n", n, dim, k, nprobe, recall, nq / searchSeconds,
                    nq / exactSeconds, indexSeconds, bundleBytes, m.partitions().size());
            return 0;
        } finally {
            spark.stop();
        }
    }
}
