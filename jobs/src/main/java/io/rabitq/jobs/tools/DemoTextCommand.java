package io.rabitq.jobs.tools;

import static org.apache.spark.sql.functions.col;

import io.rabitq.embed.TextEmbedder;
import io.rabitq.jobs.Json;
import io.rabitq.jobs.Phases;
import io.rabitq.jobs.Sessions;
import io.rabitq.spark.RabitqIndexer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo-text}: semantic search over real text. A text table (or WordNet's glosses) → {@link TextEmbedder} →
 * {@link RabitqIndexer} (cosine) into a bundle, in one Pipeline; then the queries, typed as text, go through the same
 * fitted Pipeline and the top hits print with their text and cosine distance.
 */
@Command(name = "demo-text", sortOptions = false,
        description = "Semantic search over a text table (default: WordNet glosses): embed, index, ask in plain text.")
final class DemoTextCommand implements Callable<Integer> {
    @Option(names = "--input", paramLabel = "TABLE", description = "Delta table or Parquet directory with --id-col and --text-col "
            + "(default: WordNet's glosses, fetched into .rabitq/wordnet)")
    String input;
    @Option(names = "--id-col", defaultValue = "id", description = "id column (default: ${DEFAULT-VALUE})")
    String idCol;
    @Option(names = "--text-col", defaultValue = "text", description = "text column (default: ${DEFAULT-VALUE})")
    String textCol;
    @Option(names = "--limit", defaultValue = "20000", description = "rows to index (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--query", paramLabel = "TEXT", description = "a question in plain text (repeatable)")
    List<String> queries = new ArrayList<>(List.of("a small animal that purrs", "a machine that computes", "to run very fast"));
    @Option(names = "--k", defaultValue = "3", description = "hits per query (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--dir", defaultValue = ".rabitq/demo-text", description = "working directory (default: ${DEFAULT-VALUE})")
    Path dir;

    @Override
    public Integer call() throws IOException, InterruptedException {
        SparkSession spark = Sessions.get("spark-rabitq demo-text");
        try {
            Dataset<Row> corpus = (input != null ? Sessions.read(spark, input, null).rows()
                    : WordNetTable.glosses(spark, Path.of(".rabitq/wordnet"), limit).toDF(idCol, textCol))
                    .select(col(idCol).cast("long").as("id"), col(textCol).as("text"))
                    .limit(limit).cache();
            long n = corpus.count();
            long t0 = System.nanoTime();
            PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
                new TextEmbedder().setInputCol("text").setOutputCol("embedding"),
                new RabitqIndexer().setInputCol("embedding").setMetric("cosine").setK(k)
                        .setBundlePath(dir.resolve("bundle").toAbsolutePath().toString())}).fit(corpus);
            Phases.line("embedded and indexed %d texts (MiniLM 384-d, cosine) into %s", t0, n, dir.resolve("bundle"));

            List<Row> asked = new ArrayList<>();
            for (int i = 0; i < queries.size(); i++) {
                asked.add(RowFactory.create((long) -(i + 1), queries.get(i)));
            }
            StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
            Map<Long, String> text = corpus.collectAsList().stream().collect(Collectors.toMap(r -> r.getLong(0), r -> r.getString(1)));
            List<Map<String, Object>> answers = new ArrayList<>();
            for (Row r : model.transform(spark.createDataFrame(asked, schema)).orderBy(col("id").desc())
                    .select("text", "neighbors").collectAsList()) {
                System.err.println("\n" + r.getString(0));
                List<Map<String, Object>> hits = new ArrayList<>();
                for (Row hit : r.<Row>getList(1)) {
                    String t = text.get(hit.getLong(0));
                    System.err.printf("  %.3f  %s%n", hit.getFloat(1), t.length() > 110 ? t.substring(0, 110) + "..." : t);
                    Map<String, Object> h = new LinkedHashMap<>();
                    h.put("id", hit.getLong(0));
                    h.put("distance", Json.round(hit.getFloat(1), 4));
                    h.put("text", t);
                    hits.add(h);
                }
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("query", r.getString(0));
                answer.put("hits", hits);
                answers.add(answer);
            }
            new Json().put("indexed", n).put("answers", answers).print();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
