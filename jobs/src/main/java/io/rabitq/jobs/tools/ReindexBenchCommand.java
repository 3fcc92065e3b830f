package io.rabitq.jobs.tools;

import io.delta.tables.DeltaTable;
import io.rabitq.bundle.Manifest;
import io.rabitq.jobs.Json;
import io.rabitq.jobs.Phases;
import io.rabitq.jobs.Sessions;
import io.rabitq.lake.IndexBundles;
import io.rabitq.spark.RabitqIndexer;
import io.rabitq.spark.RabitqModel;
import io.rabitq.spark.RabitqReindex;
import io.rabitq.spark.SyntheticVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reindex-bench}: the cost of following a change against a full re-index, in one run. A synthetic Delta table
 * (change feed on) is indexed with {@code index}; then, {@code --rounds} times, a MERGE changes {@code --change} of its
 * rows (half inserts, a quarter updates, a quarter deletes) and {@code reindex} follows it. Reports the bytes each
 * wrote and the wall time (median over rounds for reindex). Last line: one JSON object.
 */
@Command(name = "reindex-bench", sortOptions = false, description = "Bytes and time of reindex after a small change vs a full index.")
final class ReindexBenchCommand implements Callable<Integer> {
    @Option(names = "--n", defaultValue = "1000000", description = "rows (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--dim", defaultValue = "128", description = "dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--change", defaultValue = "0.01", description = "fraction of rows changed per round (default: ${DEFAULT-VALUE})")
    double change;
    @Option(names = "--rounds", defaultValue = "3", description = "changes followed by reindex (default: ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--dir", defaultValue = ".rabitq/reindex-bench", description = "work directory, emptied first (default: ${DEFAULT-VALUE})")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(dir)) {
            try (var s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        SparkSession spark = Sessions.get("spark-rabitq reindex-bench");
        try {
            String table = dir.resolve("table").toAbsolutePath().toString();
            String bundle = dir.resolve("bundle").toString();
            int parallelism = spark.sparkContext().defaultParallelism();
            long t0 = System.nanoTime();
            SyntheticVectors.generate(spark, 0, n, dim, 7, parallelism).write().format("delta").save(table);
            spark.sql("ALTER TABLE delta.`" + table + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)");
            Dataset<Row> rows = spark.read().format("delta").load(table);
            RabitqModel model = new RabitqIndexer().setSampleSize(50_000).fit(rows);
            Phases.line("wrote and trained on a %d x %d Delta table", t0, n, dim);
            long t1 = System.nanoTime();
            Manifest full = model.index(rows, bundle, parallelism, new IndexBundles.Source(RabitqReindex.sourceRef(table), "1", Map.of()));
            double indexSeconds = Phases.seconds(t1);
            long indexBytes = full.centroids().bytes() + full.partitions().stream().mapToLong(Manifest.PartitionEntry::bytes).sum();
            Phases.line("index: %d rows, %.1f MB written", t1, full.rows(), indexBytes / 1e6);
            List<Double> seconds = new ArrayList<>();
            List<Long> bytes = new ArrayList<>();
            long nextId = n;
            for (int round = 1; round <= rounds; round++) {
                long inserts = (long) (n * change / 2);
                long updates = (long) (n * change / 4);
                long deletes = (long) (n * change / 4);
                Dataset<Row> fresh = SyntheticVectors.generate(spark, nextId, nextId + inserts, dim, 7, 1)
                        .withColumn("op", functions.lit("insert"));
                Dataset<Row> touched = SyntheticVectors.generate(spark, 10_000_000L * round, 10_000_000L * round + updates + deletes, dim, 7, 1)
                        .withColumn("op", functions.when(functions.col("id").mod(2).equalTo(0), "update").otherwise("delete"))
                        .withColumn("id", functions.col("id").minus(10_000_000L * round).multiply(n / (updates + deletes)).plus(round));
                nextId += inserts;
                DeltaTable.forPath(spark, table).as("t").merge(fresh.unionByName(touched).as("s"), "t.id = s.id")
                        .whenMatched("s.op = 'delete'").delete()
                        .whenMatched("s.op = 'update'").updateExpr(Map.of("vector", "s.vector"))
                        .whenNotMatched("s.op = 'insert'").insertExpr(Map.of("id", "s.id", "vector", "s.vector"))
                        .execute();
                long t2 = System.nanoTime();
                RabitqReindex.Result r = RabitqReindex.run(spark, table, bundle, new RabitqReindex.Options());
                seconds.add(Phases.seconds(t2));
                bytes.add(r.bytesWritten());
                Phases.line("round %d: reindex %s, +%d -%d rows, %.2f MB written", t2, round, r.action(), r.inserted(), r.deleted(),
                        r.bytesWritten() / 1e6);
            }
            double medianSeconds = median(seconds.stream().mapToDouble(Double::doubleValue).toArray());
            double medianBytes = median(bytes.stream().mapToDouble(Long::doubleValue).toArray());
            new Json().put("n", n).put("dim", dim).put("change", change).put("index_seconds", Json.round(indexSeconds, 2))
                    .put("index_bytes", indexBytes).put("reindex_seconds", seconds.stream().map(s -> Json.round(s, 2)).toList())
                    .put("reindex_bytes", bytes).put("time_ratio", Json.round(medianSeconds / indexSeconds, 3))
                    .put("bytes_ratio", Json.round(medianBytes / indexBytes, 4)).print();
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
