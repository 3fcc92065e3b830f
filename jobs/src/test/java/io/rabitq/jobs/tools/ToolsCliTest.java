package io.rabitq.jobs.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.VecsIO;
import io.rabitq.jobs.CliRun;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark and demo commands of the tools jar. */
class ToolsCliTest {
    @TempDir
    Path dir;

    private static Object[] run(String... args) {
        return CliRun.capture(ToolsCli::run, args);
    }

    private static double field(String json, String index, String name) {
        Matcher m = Pattern.compile("\\{\"index\":\"" + index + "\"[^}]*\\}[^}]*\"" + name + "\":([0-9.]+)").matcher(json);
        assertTrue(m.find(), name + " of " + index + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void benchPrintsOneJsonLineWithEveryVariant() {
        Object[] r = run("bench", "--n", "3000", "--queries", "50", "--dim", "32", "--warmup-seconds", "0");
        assertEquals(0, r[0], (String) r[2]);
        String[] lines = ((String) r[1]).trim().split("\n");
        String json = lines[lines.length - 1];
        assertTrue(json.startsWith("{\"dataset\":\"clustered-gaussian\",\"n\":3000,\"dim\":32"), json);
        for (String idx : new String[] {"FlatIndex", "RabitqIndex", "RabitqPlusIndex", "RabitqAsymIndex", "IvfRabitqIndex"}) {
            assertTrue(json.contains("\"index\":\"" + idx + "\""), idx);
        }
        assertEquals(1.0, field(json, "FlatIndex", "recall_at_10"), 1e-9);
        assertTrue(field(json, "IvfRabitqIndex", "recall_at_10") >= 0.9, json);
        assertTrue(field(json, "IvfRabitqIndex", "qps") > 0);
        assertTrue(field(json, "RabitqIndex", "bytes_per_vector") < field(json, "FlatIndex", "bytes_per_vector") / 2, json);
        assertTrue(((String) r[2]).contains("recall@10"), "a human table goes to stderr");
    }

    @Test
    void benchReadsVecsFilesWithGroundTruth() throws Exception {
        Dataset d = ClusteredGaussian.generate(2000, 20, 16, 5);
        VecsIO.writeFvecs(dir.resolve("base.fvecs"), d.base(), 16);
        VecsIO.writeFvecs(dir.resolve("query.fvecs"), d.queries(), 16);
        VecsIO.writeIvecs(dir.resolve("gt.ivecs"), GroundTruth.compute(d.base(), d.queries(), 16, 100, "l2"), 100);
        Object[] r = run("bench", "--base", dir.resolve("base.fvecs").toString(), "--query-file", dir.resolve("query.fvecs").toString(),
                "--gt", dir.resolve("gt.ivecs").toString(), "--variants", "flat,ivf", "--warmup-seconds", "0");
        assertEquals(0, r[0], (String) r[2]);
        String out = (String) r[1];
        assertTrue(out.contains("\"dataset\":\"base.fvecs\",\"n\":2000,\"dim\":16,\"queries\":20"), out);
        assertEquals(1.0, field(out, "FlatIndex", "recall_at_100"), 1e-9);
    }

    @Test
    void badOptionsExitWithUsage() {
        Object[] typo = run("bench", "--nn", "5");
        assertEquals(2, typo[0]);
        assertTrue(((String) typo[2]).contains("Unknown options: '--nn'"), (String) typo[2]);
        Object[] notNumber = run("bench", "--n", "many");
        assertEquals(2, notNumber[0]);
        assertTrue(((String) notNumber[2]).contains("Invalid value for option '--n': 'many' is not an int"), (String) notNumber[2]);
        Object[] missing = run("bench", "--base", dir.resolve("nope.fvecs").toString(), "--query-file", "x.fvecs");
        assertEquals(1, missing[0]);
        assertEquals(2, run("frobnicate")[0]);
    }

    @Test
    void lakeWarmRestartAnswersIdenticallyInANewJvmWithoutABackend() {
        Object[] r = run("lake-warm-restart", "--n", "2000", "--dim", "16", "--queries", "20", "--dir", dir.resolve("warm").toString());
        assertEquals(0, r[0], (String) r[2]);
        assertTrue(((String) r[1]).contains("\"warm_restart\":\"identical\""), (String) r[1]);
    }

    @Test
    void lakeBenchMeasuresTheCacheHitPathAndFederation() {
        Object[] r = run("lake-bench", "--n", "4000", "--dim", "32", "--queries", "100", "--passes", "3");
        assertEquals(0, r[0], (String) r[2]);
        String json = ((String) r[1]).trim();
        Matcher m = Pattern.compile("\"fresh_cost\":([0-9.]+),\"eventual_cost\":([0-9.]+).*\"federated_recall\":([0-9.]+)").matcher(json);
        assertTrue(m.find(), json);
        assertTrue(Double.parseDouble(m.group(1)) > 0 && Double.parseDouble(m.group(2)) > 0, json);
        assertTrue(Double.parseDouble(m.group(3)) >= 0.9, json);
    }

    @Test
    void benchSparkComparesSearchBatchWithExactAndMllibLsh() throws Exception {
        Object[] r = run("bench-spark", "--n", "3000", "--dim", "16", "--queries", "100", "--lsh-queries", "3",
                "--out", dir.resolve("docs").toString(), "--dir", dir.resolve("bs").toString());
        assertEquals(0, r[0], (String) r[2]);
        String json = ((String) r[1]).trim();
        Matcher m = Pattern.compile("\"search_recall\":([0-9.]+).*\"lsh_best_recall\":([0-9.]+)").matcher(json);
        assertTrue(m.find(), json);
        assertTrue(Double.parseDouble(m.group(1)) >= 0.9, json);
        assertTrue(Double.parseDouble(m.group(2)) <= 1.0, json);
        Matcher ratio = Pattern.compile("\"per_core_ratio\":([0-9.]+),\"per_core_ratio_min\":([0-9.]+),\"per_core_ratio_max\":([0-9.]+)")
                .matcher(json);
        assertTrue(ratio.find(), json);
        double median = Double.parseDouble(ratio.group(1));
        assertTrue(median > 0 && Double.parseDouble(ratio.group(2)) <= median && median <= Double.parseDouble(ratio.group(3)), json);
        String md = java.nio.file.Files.readString(dir.resolve("docs/BENCHMARKS-spark.md"));
        assertTrue(md.contains("MLlib BucketedRandomProjectionLSH") && md.contains("bench-spark --n 3000"), md);
    }

    /** A WordNet-shaped dict directory with {@code n} short glosses (what datasets/fetch-wordnet.sh unpacks). */
    private Path fakeWordNet(int n) throws Exception {
        String[] things = {"a small domestic cat", "a fast running horse", "a machine that computes numbers", "a deep blue ocean",
            "a tall old tree", "a loud brass instrument", "a quiet library room", "a sweet ripe fruit", "a cold mountain river",
            "a bright distant star"};
        Path dict = java.nio.file.Files.createDirectories(dir.resolve("wn/package/dict"));
        StringBuilder noun = new StringBuilder();
        for (int i = 0; i < n; i++) {
            noun.append(String.format("%08d 05 n 01 thing%d 0 000 | %s, kind %d seen in place %d%n", i, i, things[i % 10], i / 10, i % 7));
        }
        java.nio.file.Files.writeString(dict.resolve("data.noun"), noun);
        for (String f : new String[] {"data.verb", "data.adj", "data.adv"}) {
            java.nio.file.Files.writeString(dict.resolve(f), "");
        }
        return dir.resolve("wn");
    }

    @Test
    void embedWordnetWritesATableAndAnFvecsSplitWithGroundTruth() throws Exception {
        Path wn = fakeWordNet(300);
        Object[] r = run("embed-wordnet", "--dir", wn.toString(), "--queries", "10", "--query-every", "30");
        assertEquals(0, r[0], (String) r[2]);
        String json = ((String) r[1]).trim();
        assertTrue(json.contains("\"glosses\":300,\"dim\":384") && json.contains("\"base\":290,\"queries\":10"), json);
        assertEquals(290, VecsIO.readFvecs(wn.resolve("wordnet-base.fvecs"), Integer.MAX_VALUE).rows());
        VecsIO.Matrix<int[]> gt = VecsIO.readIvecs(wn.resolve("wordnet-gt.ivecs"), Integer.MAX_VALUE);
        assertEquals(10, gt.rows());
        assertEquals(100, gt.dim());
        assertTrue(java.nio.file.Files.isDirectory(wn.resolve("glosses/_delta_log")), "the embeddings are a Delta table");
    }

    @Test
    void demoTextAnswersPlainTextQuestionsFromATextTable() throws Exception {
        Path wn = fakeWordNet(200);
        java.util.List<String> glosses = io.rabitq.datasets.WordNet.glosses(wn.resolve("package/dict"), 200);
        Object[] r = run("demo-text", "--input", textTable(glosses).toString(), "--query", "a domestic cat", "--query",
                "an ocean, deep and blue", "--k", "3", "--dir", dir.resolve("demo").toString());
        assertEquals(0, r[0], (String) r[2]);
        String json = ((String) r[1]).trim();
        assertTrue(json.contains("\"indexed\":200"), json);
        Matcher cat = Pattern.compile("\"query\":\"a domestic cat\",\"hits\":\\[\\{[^}]*\"text\":\"thing\\d+: a small domestic cat")
                .matcher(json);
        Matcher ocean = Pattern.compile("\"hits\":\\[\\{[^}]*\"text\":\"thing\\d+: a deep blue ocean").matcher(json);
        assertTrue(cat.find(), "the nearest gloss to 'a domestic cat' is a cat's: " + json);
        assertTrue(ocean.find(), "the nearest gloss to 'an ocean, deep and blue' is an ocean's: " + json);
        assertTrue(((String) r[2]).contains("a domestic cat"), "the answers print for a human too");
    }

    /** A Parquet table (id, text) of the given texts. */
    private Path textTable(java.util.List<String> texts) {
        Path out = dir.resolve("texts");
        org.apache.spark.sql.SparkSession spark = io.rabitq.jobs.Sessions.get("ToolsCliTest");
        try {
            java.util.List<org.apache.spark.sql.Row> rows = new java.util.ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                rows.add(org.apache.spark.sql.RowFactory.create((long) i, texts.get(i)));
            }
            spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType().add("id", "long").add("text", "string"))
                    .write().parquet(out.toString());
        } finally {
            spark.stop();
        }
        return out;
    }
}
