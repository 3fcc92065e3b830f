package io.rabitq.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.datasets.GroundTruth;
import io.rabitq.datasets.VecsIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    /** Runs the CLI, returning {exit code, stdout, stderr}. */
    private static Object[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Cli.run(args);
            return new Object[] {code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
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
        assertTrue(((String) typo[2]).contains("unknown option --nn"), (String) typo[2]);
        Object[] notNumber = run("bench", "--n", "many");
        assertEquals(2, notNumber[0]);
        assertTrue(((String) notNumber[2]).contains("--n must be an integer"));
        Object[] missing = run("bench", "--base", dir.resolve("nope.fvecs").toString(), "--query-file", "x.fvecs");
        assertEquals(1, missing[0]);
        assertEquals(2, run("frobnicate")[0]);
    }

    @Test
    void quickstartRunsThePipelineOnADeltaTable() {
        Object[] r = run("quickstart", "--n", "6000", "--dim", "32", "--queries", "60", 
                "--dir", dir.resolve("qs").toString());
        assertEquals(0, r[0], (String) r[2]);
        String[] lines = ((String) r[1]).trim().split("\n");
        String json = lines[lines.length - 1];
        assertTrue(json.startsWith("{\"n\":6000,\"dim\":32,\"k\":10,"), json);
        Matcher m = Pattern.compile("\"recall_at_10\":([0-9.]+).*\"partitions\":([0-9]+)").matcher(json);
        assertTrue(m.find(), json);
        assertTrue(Double.parseDouble(m.group(1)) >= 0.9, json);
        assertEquals(Runtime.getRuntime().availableProcessors(), Integer.parseInt(m.group(2)), "one bundle partition per core of local[*]: " + json);
        assertTrue(java.nio.file.Files.isDirectory(dir.resolve("qs/vectors/_delta_log")), "the vectors are a Delta table");
        assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("qs/bundle/CURRENT")), "the bundle was published");
        assertTrue(((String) r[2]).contains("searchBatch of 60 queries"), (String) r[2]);

        // the separate jobs on the quickstart's Delta table: train -> index -> search (self-search into Delta)
        String table = dir.resolve("qs/vectors").toString();
        String model = dir.resolve("model").toString();
        String bundle = dir.resolve("bundle2").toString();
        String results = dir.resolve("results").toString();
        Object[] train = run("train", "--input", table, "--version", "0", "--model", model, "--nlist", "20");
        assertEquals(0, train[0], (String) train[2]);
        assertTrue(((String) train[1]).contains("\"nlist\":20"), (String) train[1]);
        assertEquals(1, run("train", "--input", table, "--model", model)[0], "an existing model is not overwritten silently");
        Object[] index = run("index", "--input", table, "--model", model, "--bundle", bundle, "--partitions", "3");
        assertEquals(0, index[0], (String) index[2]);
        assertTrue(((String) index[1]).contains("\"rows\":6000,\"partitions\":3"), (String) index[1]);
        Object[] search = run("search", "--queries", table, "--id-col", "id", "--vector-col", "vector", "--bundle", bundle,
                "--output", results, "--k", "3");
        assertEquals(0, search[0], (String) search[2]);
        assertTrue(((String) search[1]).contains("\"rows\":6000"), (String) search[1]);
        org.apache.spark.sql.SparkSession spark = Sessions.get("CliTest");
        try {
            long selfFirst = spark.read().format("delta").load(results)
                    .where("neighbors[0].id = query_id and neighbors[0].distance = 0 and size(neighbors) = 3").count();
            assertEquals(6000, selfFirst, "every vector finds itself first, at distance 0");
        } finally {
            spark.stop();
        }
        Object[] missing = run("index", "--input", dir.resolve("nope").toString(), "--model", model, "--bundle", bundle);
        assertEquals(1, missing[0]);
        assertTrue(((String) missing[2]).contains("does not exist"), (String) missing[2]);
    }

    @Test
    void lakeWarmRestartAnswersIdenticallyInANewJvmWithoutABackend() {
        Object[] r = run("lake-warm-restart", "--n", "2000", "--dim", "16", "--queries", "20", "--dir", dir.resolve("warm").toString());
        assertEquals(0, r[0], (String) r[2]);
        assertTrue(((String) r[1]).contains("\"warm_restart\":\"identical\""), (String) r[1]);
    }

    @Test
    void lakeSidecarReportsEachRotation() throws Exception {
        Path bundle = dir.resolve("bundles/docs");
        Object[][] result = new Object[1][];
        Thread sidecar = new Thread(() -> result[0] = run("lake-sidecar", "--bundle", bundle.toString(), "--interval-ms", "100", "--seconds", "4"));
        sidecar.start();
        Thread.sleep(500);
        for (int g = 0; g < 2; g++) {
            io.rabitq.core.IvfRabitqIndex index = new io.rabitq.core.IvfRabitqIndex(8);
            for (int i = 0; i < 100 + g; i++) {
                index.add(i, new float[] {i, g, 1, 2, 3, 4, 5, 6});
            }
            index.build();
            io.rabitq.lake.IndexBundles.publish(index, bundle, 1, new io.rabitq.lake.IndexBundles.Source("test", "" + g, java.util.Map.of()));
            Thread.sleep(1000);
        }
        sidecar.join();
        assertEquals(0, result[0][0], (String) result[0][2]);
        String out = (String) result[0][1];
        assertTrue(out.contains("\"to\":\"gen-000001\",") && out.contains("\"vectors\":100,"), out);
        assertTrue(out.contains("\"from\":\"gen-000001\",\"to\":\"gen-000002\"") && out.contains("\"vectors\":101,"), out);
        assertTrue(((String) result[0][2]).contains("no bundle published"), "it waited for the first bundle");
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
        String md = java.nio.file.Files.readString(dir.resolve("docs/BENCHMARKS-spark.md"));
        assertTrue(md.contains("MLlib BucketedRandomProjectionLSH") && md.contains("bench-spark --n 3000"), md);
    }
}
