package io.rabitq.jobs;

import io.rabitq.bundle.Manifest;
import io.rabitq.core.Metric;
import io.rabitq.core.Vectors;
import io.rabitq.spark.ExactSearch;
import io.rabitq.spark.InvalidInputException;
import io.rabitq.spark.RabitqReindex;
import io.rabitq.spark.RabitqSearch;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evaluate}: recall@k of a query sample against exact distributed brute force. */
@Command(name = "evaluate", sortOptions = false,
        description = "Recall@k of searchBatch on a query sample against exact distributed brute force.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, paramLabel = "TABLE", description = "the indexed table")
    String input;
    @Option(names = "--version", paramLabel = "V", description = "Delta version of --input that exact search reads (default: the "
            + "version the bundle was built from, when it was built from this table; else the latest)")
    String version;
    @Option(names = "--id-col", defaultValue = "id", description = "id column of --input (default: ${DEFAULT-VALUE})")
    String idCol;
    @Option(names = "--vector-col", defaultValue = "vector", description = "vector column of --input (default: ${DEFAULT-VALUE})")
    String vectorCol;
    @Option(names = "--queries", required = true, paramLabel = "TABLE", description = "query table")
    String queries;
    @Option(names = "--query-id-col", defaultValue = "query_id", description = "query id column (default: ${DEFAULT-VALUE})")
    String queryIdCol;
    @Option(names = "--query-vector-col", defaultValue = "query", description = "query vector column (default: ${DEFAULT-VALUE})")
    String queryVectorCol;
    @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "bundle to evaluate")
    String bundle;
    @Option(names = "--k", defaultValue = "10", description = "neighbours per query (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--nprobe", defaultValue = "0", description = "clusters probed per query (default: 0 = the bundle's default)")
    int nprobe;
    @Option(names = "--recall", paramLabel = "R", description = "instead of --nprobe: the recall@10 wanted, e.g. 0.95; the bundle's "
            + "recall curve (measured at index time) gives the smallest nprobe that reaches it")
    Double recall;
    @Option(names = "--sample", defaultValue = "1000", description = "queries evaluated, lowest ids first (default: ${DEFAULT-VALUE})")
    int sample;
    @Option(names = "--warm-runs", defaultValue = "3", description = "timed warm searches after a 3 s warm-up, whose median gives "
            + "the warm speed; 0 times only the cold first search (default: ${DEFAULT-VALUE})")
    int warmRuns;

    @Override
    public Integer call() {
        // what can be wrong without Spark is refused before it starts (reading the tables takes the most time)
        Vectors.checkK(k);
        Vectors.checkNprobeOrDefault(nprobe);
        if (sample < 1 || warmRuns < 0) {
            throw new InvalidInputException("--sample must be >= 1 and --warm-runs >= 0");
        }
        Manifest m = SearchCommand.manifestBeforeSpark(bundle);
        Metric metric = Metric.parse(m.metric());
        int probes = SearchCommand.probes(m, bundle, nprobe, recall);
        SparkSession spark = Sessions.get("spark-rabitq evaluate");
        try {
            String v = version != null || !RabitqReindex.sameSource(m.sourceRef(), input) || m.sourceVersion().isEmpty()
                    ? version : m.sourceVersion();
            Sessions.Table base = Sessions.read(spark, input, v);
            Dataset<Row> q = Sessions.read(spark, queries, null).rows().orderBy(queryIdCol).limit(sample).cache();
            long nq = q.count();
            long t0 = System.nanoTime();
            List<Row> found = RabitqSearch.searchBatch(q, queryIdCol, queryVectorCol, bundle, k, probes).collectAsList();
            double coldSeconds = Phases.seconds(t0);
            Phases.line("searchBatch of %d queries, cold (opening and verifying the bundle, loading it into the executors): "
                    + "%.0f queries/s", t0, nq, nq / coldSeconds);
            Double warmQps = null;
            if (warmRuns > 0) {
                t0 = System.nanoTime();
                double warmSeconds = Phases.medianSeconds(warmRuns, () -> RabitqSearch.searchBatch(q, queryIdCol, queryVectorCol, bundle,
                        k, probes).collectAsList());
                warmQps = Json.round(nq / warmSeconds, 1);
                Phases.line("searchBatch warm (bundle cached by the executors): %.0f queries/s (median of %d runs after a 3 s warm-up)",
                        t0, warmQps, warmRuns);
            }
            t0 = System.nanoTime();
            List<Row> exact = ExactSearch.searchBatch(base.rows(), idCol, vectorCol, q, queryIdCol, queryVectorCol, metric, k).collectAsList();
            double exactSeconds = Phases.seconds(t0);
            Phases.line("exact distributed brute force of %s version %s, one run: %.0f queries/s", t0, input,
                    base.version().isEmpty() ? "(Parquet)" : base.version(), nq / exactSeconds);
            double measured = Phases.recall(found, exact, k);
            System.err.printf("recall@%d = %.4f over %d queries (nprobe %d)%n", k, measured, nq, probes);
            new Json().put("queries", nq).put("k", k).put("nprobe", probes).put("recall", Json.round(measured, 4))
                    .put("search_qps_cold", Json.round(nq / coldSeconds, 1)).put("search_qps_warm", warmQps)
                    .put("exact_qps", Json.round(nq / exactSeconds, 1)).put("input_version", base.version()).print();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
