package io.rabitq.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production commands of the app jar, run in this JVM on real Delta tables and bundles. */
class CliTest {
    @TempDir
    Path dir;

    private static Object[] run(String... args) {
        return CliRun.capture(Cli::run, args);
    }

    @Test
    void usageErrorsAndHelpAnswerWithoutSpark() {
        Object[] missing = run("index", "--input", "t");
        assertEquals(2, missing[0]);
        assertTrue(((String) missing[2]).contains("Missing required options: '--model=DIR', '--bundle=DIR'"), (String) missing[2]);
        Object[] help = run("help", "search");
        assertEquals(0, help[0]);
        assertTrue(((String) help[1]).contains("--nprobe=<nprobe>") && ((String) help[1]).contains("(default: 10)"), (String) help[1]);
        Object[] indexHelp = run("index", "--help");
        assertEquals(0, indexHelp[0], (String) indexHelp[2]);
        assertTrue(((String) indexHelp[1]).contains("--version=V") && ((String) indexHelp[1]).contains("-h, --help"), (String) indexHelp[1]);
        Object[] top = run("-h");
        assertEquals(0, top[0]);
        for (String command : new String[] {"quickstart", "train", "index", "search", "evaluate", "sql", "import", "export", "lake-sidecar"}) {
            assertTrue(((String) top[1]).contains(command), command + " in " + top[1]);
        }
        assertEquals(2, run("bench")[0], "benchmarks are not commands of the app jar");
    }

    @Test
    void quickstartRunsThePipelineOnADeltaTable() throws Exception {
        Object[] r = run("quickstart", "--n", "6000", "--dim", "32", "--queries", "60", 
                "--dir", dir.resolve("qs").toString());
        assertEquals(0, r[0], (String) r[2]);
        String[] lines = ((String) r[1]).trim().split("\n");
        String json = lines[lines.length - 1];
        assertTrue(json.startsWith("{\"n\":6000,\"dim\":32,\"k\":10,"), json);
        assertTrue(json.contains("\"bits\":7,\"has_raw\":false,\"bytes_per_vector\":"), json);
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
        assertTrue(((String) train[1]).contains("\"nlist\":20,\"dim\":32,\"bits\":7,\"store_raw\":false"), (String) train[1]);
        Object[] retrain = run("train", "--input", table, "--model", model);
        assertEquals("error: --model " + model + " already exists; pass --overwrite to replace it, or choose another path",
                ((String) retrain[2]).trim(), "an existing model is not overwritten silently");
        assertTrue(org.apache.spark.SparkContext$.MODULE$.getActive().isEmpty(), "refused before any Spark context started");
        Object[] index = run("index", "--input", table, "--model", model, "--bundle", bundle, "--partitions", "3");
        assertEquals(0, index[0], (String) index[2]);
        assertTrue(((String) index[1]).contains("\"rows\":6000,\"partitions\":3"), (String) index[1]);
        // a killed writer's leftovers go with the next index (past the grace period); --retain prunes old generations
        Path abandoned = java.nio.file.Files.createDirectories(dir.resolve("bundle2/.tmp-gen-000099-killed"));
        java.nio.file.Files.writeString(abandoned.resolve("part-00000.arrow"), "half a file");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(2)));
        java.nio.file.Files.setLastModifiedTime(abandoned.resolve("part-00000.arrow"), old);
        java.nio.file.Files.setLastModifiedTime(abandoned, old);
        Object[] reindex = run("index", "--input", table, "--model", model, "--bundle", bundle, "--partitions", "3", "--retain", "1",
                "--register");
        assertEquals(0, reindex[0], (String) reindex[2]);
        assertTrue(((String) reindex[1]).contains("\"registered\":true"), (String) reindex[1]);
        assertTrue(((String) reindex[1]).contains("\"removed_generations\":[\"gen-000001\"],\"removed_abandoned\":[\".tmp-gen-000099-killed\"]"),
                (String) reindex[1]);
        assertTrue(java.nio.file.Files.notExists(abandoned), "the abandoned work is gone");
        try (var gens = java.nio.file.Files.list(dir.resolve("bundle2"))) {
            assertEquals(1, gens.filter(p -> p.getFileName().toString().startsWith("gen-")).count(), "one generation kept");
        }
        Object[] search = run("search", "--queries", table, "--id-col", "id", "--vector-col", "vector", "--bundle", bundle,
                "--output", results, "--k", "3", "--recall", "0.9");
        assertEquals(0, search[0], (String) search[2]);
        assertTrue(((String) search[1]).matches("(?s).*\"rows\":6000,\"k\":3,\"nprobe\":[1-9][0-9]*,\"distances\":\"estimated\".*"),
                "--recall chose an nprobe from the bundle's curve: " + search[1]);
        org.apache.spark.sql.SparkSession spark = Sessions.get("CliTest");
        try {
            long selfFirst = spark.read().format("delta").load(results)
                    .where("neighbors[0].id = query_id and abs(neighbors[0].distance) < 1e-3 and size(neighbors) = 3").count();
            assertEquals(6000, selfFirst, "every vector finds itself first, at an estimated distance of about 0");
            Dataset<Row> join = spark.sql("SELECT a.id AS query, b.id FROM delta.`" + table + "` a JOIN delta.`" + table
                    + "` b APPROX NEAREST 3 BY DISTANCE vector_l2_distance(a.vector, b.vector)");
            assertTrue(join.queryExecution().sparkPlan().toString().contains("NearestScan"), "--register made the join use the bundle");
            assertTrue(join.where("query = id").count() >= 5_940, "(almost) every vector is among its own 3 nearest");
        } finally {
            spark.stop();
        }
        Object[] again = run("search", "--queries", table, "--id-col", "id", "--vector-col", "vector", "--bundle", bundle,
                "--output", results, "--k", "3");
        assertEquals(1, again[0]);
        assertEquals("error: --output " + results + " already exists; choose another path, or pass --mode overwrite or --mode append",
                ((String) again[2]).trim(), "one line, no stack trace");
        assertTrue(org.apache.spark.SparkContext$.MODULE$.getActive().isEmpty(), "refused before any Spark context started");
        Object[] k0 = run("search", "--queries", table, "--bundle", bundle, "--output", dir.resolve("r2").toString(), "--k", "0");
        assertEquals(1, k0[0]);
        assertEquals("error: k must be >= 1 but was 0", ((String) k0[2]).trim());
        Object[] exact = run("search", "--queries", table, "--bundle", bundle, "--output", dir.resolve("r3").toString(), "--exact");
        assertEquals(1, exact[0]);
        assertEquals("error: --exact: bundle " + bundle + " keeps no raw vectors, so its distances are estimates of its codes; "
                + "index with --store-raw for exact distances, or search without --exact", ((String) exact[2]).trim());
        assertTrue(org.apache.spark.SparkContext$.MODULE$.getActive().isEmpty(), "refused before any Spark context started");
        Object[] noBundle = run("evaluate", "--input", table, "--queries", table, "--bundle", dir.resolve("no-bundle").toString());
        assertEquals(1, noBundle[0]);
        assertTrue(((String) noBundle[2]).trim().startsWith("error: bundle " + dir.resolve("no-bundle") + " cannot be searched: "),
                (String) noBundle[2]);
        assertTrue(org.apache.spark.SparkContext$.MODULE$.getActive().isEmpty(), "evaluate refuses a missing bundle before Spark starts");
        Object[] otherTable = run("index", "--input", results, "--model", model, "--bundle", bundle);
        assertEquals(1, otherTable[0]);
        assertTrue(((String) otherTable[2]).trim().startsWith("error: bundle " + bundle + " belongs to delta:" + Path.of(table).toAbsolutePath()),
                (String) otherTable[2]);
        Object[] badRebuild = run("reindex", "--input", table, "--bundle", bundle, "--rebuild", "sometimes");
        assertEquals(1, badRebuild[0]);
        assertEquals("error: --rebuild must be auto, never or always but was 'sometimes'", ((String) badRebuild[2]).trim());
        assertTrue(org.apache.spark.SparkContext$.MODULE$.getActive().isEmpty(), "refused before any Spark context started");
        Object[] upToDate = run("reindex", "--input", table, "--bundle", bundle);
        assertEquals(0, upToDate[0], (String) upToDate[2]);
        assertTrue(((String) upToDate[1]).contains("\"action\":\"up_to_date\""), (String) upToDate[1]);
        Object[] full = run("reindex", "--input", table, "--bundle", bundle, "--full");
        assertEquals(0, full[0], (String) full[2]);
        assertTrue(((String) full[1]).contains("\"action\":\"compacted\",\"reason\":\"compaction was asked for\""), (String) full[1]);
        assertTrue(((String) full[1]).contains("\"rows\":6000"), (String) full[1]);
        Object[] missing = run("index", "--input", dir.resolve("nope").toString(), "--model", model, "--bundle", bundle);
        assertEquals(1, missing[0]);
        assertTrue(((String) missing[2]).contains("does not exist"), (String) missing[2]);
    }

    @Test
    void reindexWatchFollowsCommitsUntilStopped() throws Exception {
        String table = dir.resolve("docs").toString();
        String model = dir.resolve("model").toString();
        String bundle = dir.resolve("bundle").toString();
        org.apache.spark.sql.SparkSession spark = Sessions.get("CliTest");
        io.rabitq.spark.SyntheticVectors.generate(spark, 0, 4000, 16, 5, 2).write().format("delta")
                .option("delta.enableChangeDataFeed", "true").save(table);
        spark.stop();
        assertEquals(0, run("train", "--input", table, "--model", model, "--nlist", "16")[0]);
        assertEquals(0, run("index", "--input", table, "--model", model, "--bundle", bundle)[0]);
        Object[][] result = new Object[1][];
        Thread watch = new Thread(() -> result[0] = run("reindex", "--input", table, "--bundle", bundle, "--watch", "--interval", "5s"));
        watch.start();
        while (org.apache.spark.SparkContext$.MODULE$.getActive().isEmpty()) {
            Thread.sleep(50);
        }
        io.rabitq.spark.SyntheticVectors.generate(Sessions.get("CliTest"), 4000, 4100, 16, 5, 1).write().format("delta")
                .mode("append").save(table);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (io.rabitq.bundle.Bundles.currentGeneration(Path.of(bundle)).orElseThrow().equals("gen-000001") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(1000); // the round that published prints its line, then the watch sleeps: stop it there
        watch.interrupt();
        watch.join();
        assertEquals(130, result[0][0], (String) result[0][2]);
        String out = (String) result[0][1];
        assertTrue(out.contains("\"action\":\"up_to_date\"") && out.contains("\"action\":\"incremental\"")
                && out.contains("\"inserted\":100,"), out);
        assertTrue(((String) result[0][2]).contains("is up to date with"), (String) result[0][2]);
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
}
