package io.rabitq.jobs;

import io.rabitq.bundle.Manifest;
import io.rabitq.core.Metric;
import io.rabitq.lake.IndexBundles;
import io.rabitq.spark.ExactSearch;
import io.rabitq.spark.RabitqIndexer;
import io.rabitq.spark.RabitqModel;
import io.rabitq.spark.RabitqSearch;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The production pipeline as separate spark-submit jobs: {@code train} (sample + k-means into a saved model),
 * {@code index} (a table into a bundle), {@code search} (a query table against a bundle, results to Delta) and
 * {@code evaluate} (recall@k of a query sample against exact distributed brute force). Each prints one summary
 * line per phase on stderr and a JSON line on stdout.
 */
final class PipelineCommands {
    private PipelineCommands() {
    }

    static int train(Args a) throws java.io.IOException {
        if (usage(a, "train --input TABLE [--version V] [--id-col id] [--vector-col vector] --model DIR [--overwrite true]"
                + " [--nlist 0=auto] [--metric l2|cosine|ip] [--sample-size 200000] [--seed 42]")) {
            return 0;
        }
        String input = a.required("input");
        String version = a.string("version", null);
        String model = a.required("model");
        RabitqIndexer indexer = new RabitqIndexer().setIdCol(a.string("id-col", "id")).setInputCol(a.string("vector-col", "vector"))
                .setNlist(a.integer("nlist", 0)).setMetric(a.string("metric", "l2")).setSampleSize(a.integer("sample-size", 200_000))
                .setSeed(a.longValue("seed", 42));
        boolean overwrite = a.flag("overwrite");
        a.checkAllUsed();
        SparkSession spark = Sessions.get("spark-rabitq train");
        try {
            long t0 = System.nanoTime();
            RabitqModel m = indexer.fit(Sessions.read(spark, input, version).rows());
            (overwrite ? m.write().overwrite() : m.write()).save(model);
            Phases.line("trained %d IVF centroids (dim %d) on a sample of %s; model saved to %s", t0, m.nlist(), m.dim(), input, model);
            System.out.printf("{\"model\":\"%s\",\"nlist\":%d,\"dim\":%d}%n", Phases.json(model), m.nlist(), m.dim());
            return 0;
        } finally {
            spark.stop();
        }
    }

    static int index(Args a) {
        if (usage(a, "index --input TABLE [--version V] --model DIR --bundle DIR [--partitions 0=one per core]")) {
            return 0;
        }
        String input = a.required("input");
        String version = a.string("version", null);
        String model = a.required("model");
        String bundle = a.required("bundle");
        int partitions = a.integer("partitions", 0);
        a.checkAllUsed();
        SparkSession spark = Sessions.get("spark-rabitq index");
        try {
            long t0 = System.nanoTime();
            RabitqModel m = RabitqModel.load(model);
            Sessions.Table t = Sessions.read(spark, input, version);
            int p = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism(); // one search wave
            Manifest man = m.index(t.rows(), bundle, p, new IndexBundles.Source(t.source(), t.version(), Map.of()));
            Phases.line("indexed %d rows of %s into %s: %d partitions, generation witness %s", t0, man.rows(), t.source(), bundle,
                    man.partitions().size(), man.witness().substring(0, 12));
            System.out.printf("{\"bundle\":\"%s\",\"rows\":%d,\"partitions\":%d,\"witness\":\"%s\"}%n", Phases.json(bundle), man.rows(),
                    man.partitions().size(), man.witness());
            return 0;
        } finally {
            spark.stop();
        }
    }

    static int search(Args a) {
        if (usage(a, "search --queries TABLE [--version V] [--id-col query_id] [--vector-col query] --bundle DIR --output DELTA_PATH"
                + " [--k 10] [--nprobe 0=default] [--mode errorifexists|overwrite|append]")) {
            return 0;
        }
        String queries = a.required("queries");
        String version = a.string("version", null);
        String idCol = a.string("id-col", "query_id");
        String vectorCol = a.string("vector-col", "query");
        String bundle = a.required("bundle");
        String output = a.required("output");
        int k = a.integer("k", 10);
        int nprobe = a.integer("nprobe", 0);
        String mode = a.string("mode", "errorifexists");
        a.checkAllUsed();
        SparkSession spark = Sessions.get("spark-rabitq search");
        try {
            long t0 = System.nanoTime();
            Dataset<Row> q = Sessions.read(spark, queries, version).rows();
            RabitqSearch.searchBatch(q, idCol, vectorCol, bundle, k, nprobe).write().format("delta").mode(mode).save(output);
            long rows = spark.read().format("delta").load(output).count();
            Phases.line("searched %s against %s (k=%d); results in Delta table %s (%d rows)", t0, queries, bundle, k, output, rows);
            System.out.printf("{\"output\":\"%s\",\"rows\":%d,\"k\":%d}%n", Phases.json(output), rows, k);
            return 0;
        } finally {
            spark.stop();
        }
    }

    static int evaluate(Args a) {
        if (usage(a, "evaluate --input TABLE [--id-col id] [--vector-col vector] --queries TABLE [--query-id-col query_id]"
                + " [--query-vector-col query] --bundle DIR [--k 10] [--nprobe 0=default] [--sample 1000]")) {
            return 0;
        }
        String input = a.required("input");
        String idCol = a.string("id-col", "id");
        String vectorCol = a.string("vector-col", "vector");
        String queries = a.required("queries");
        String qidCol = a.string("query-id-col", "query_id");
        String qvecCol = a.string("query-vector-col", "query");
        String bundle = a.required("bundle");
        int k = a.integer("k", 10);
        int nprobe = a.integer("nprobe", 0);
        int sample = a.integer("sample", 1000);
        a.checkAllUsed();
        SparkSession spark = Sessions.get("spark-rabitq evaluate");
        try {
            Dataset<Row> base = Sessions.read(spark, input, null).rows();
            Dataset<Row> q = Sessions.read(spark, queries, null).rows().orderBy(qidCol).limit(sample).cache();
            long nq = q.count();
            Metric metric;
            try (io.rabitq.bundle.Bundle b = io.rabitq.bundle.Bundle.open(java.nio.file.Path.of(bundle), io.rabitq.bundle.Bundle.Verification.QUICK)) {
                metric = Metric.parse(b.manifest().metric());
            }
            long t0 = System.nanoTime();
            List<Row> found = RabitqSearch.searchBatch(q, qidCol, qvecCol, bundle, k, nprobe).collectAsList();
            double searchSeconds = Phases.seconds(t0);
            Phases.line("searchBatch of %d queries: %.0f queries/s", t0, nq, nq / searchSeconds);
            t0 = System.nanoTime();
            List<Row> exact = ExactSearch.searchBatch(base, idCol, vectorCol, q, qidCol, qvecCol, metric, k).collectAsList();
            double exactSeconds = Phases.seconds(t0);
            Phases.line("exact distributed brute force: %.0f queries/s", t0, nq / exactSeconds);
            double recall = Phases.recall(found, exact, k);
            System.err.printf("recall@%d = %.4f over %d queries%n", k, recall, nq);
            System.out.printf("{\"queries\":%d,\"k\":%d,\"recall\":%.4f,\"search_qps\":%.1f,\"exact_qps\":%.1f}%n", nq, k, recall,
                    nq / searchSeconds, nq / exactSeconds);
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static boolean usage(Args a, String text) {
        if (a.flag("help")) {
            System.out.println(text);
            return true;
        }
        return false;
    }
}
