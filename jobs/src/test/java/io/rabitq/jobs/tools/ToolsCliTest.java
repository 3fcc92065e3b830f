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
        String md = java.nio.file.Files.readString(dir.resolve("docs/BENCHMARKS-spark.md"));
        assertTrue(md.contains("MLlib BucketedRandomProjectionLSH") && md.contains("bench-spark --n 3000"), md);
    }
}
