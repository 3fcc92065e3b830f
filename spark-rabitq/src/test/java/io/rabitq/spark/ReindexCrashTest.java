package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Bundles;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reindex killed with SIGKILL while it writes its generation leaves the previous generation serving, and the next
 * run publishes exactly what an uninterrupted run publishes (equal witnesses: equal bytes).
 */
class ReindexCrashTest {
    @TempDir
    Path dir;

    @Test
    void aKilledReindexLeavesThePreviousGenerationAndTheNextRunConverges() throws Exception {
        SparkSession spark = TestSpark.session();
        String table = dir.resolve("vectors").toString();
        Path bundle = dir.resolve("bundle");
        ReindexTest.indexedTable(spark, table, bundle.toString());
        SyntheticVectors.generate(spark, 20_000, 20_300, ReindexTest.DIM, 3, 1).write().format("delta").mode("append").save(table);
        spark.sql("DELETE FROM delta.`" + table + "` WHERE id < 100");
        Path undisturbed = dir.resolve("undisturbed");
        copy(bundle, undisturbed);
        String before;
        try (Bundle b = Bundle.open(bundle)) {
            before = b.manifest().witness();
        }

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ReindexChild.class.getName(), table, bundle.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (!writing(bundle) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        child.destroyForcibly().waitFor(); // SIGKILL
        assertTrue(writing(bundle), "the child was killed while it wrote its generation (see child.log)");
        assertEquals("gen-000001", Bundles.currentGeneration(bundle).orElseThrow(), "nothing was published");
        try (Bundle b = Bundle.open(bundle)) {
            assertEquals(before, b.manifest().witness(), "the previous generation serves, every byte verified");
        }

        RabitqReindex.Result recovered = RabitqReindex.run(spark, table, bundle.toString(), new RabitqReindex.Options());
        RabitqReindex.Result clean = RabitqReindex.run(spark, table, undisturbed.toString(), new RabitqReindex.Options());
        assertEquals(RabitqReindex.Action.INCREMENTAL, recovered.action(), recovered.reason());
        assertEquals(clean.manifest().witness(), recovered.manifest().witness(), "the next run converges to the uninterrupted one");
    }

    /** Whether a writer's private generation directory exists and already holds files. */
    private static boolean writing(Path bundle) throws Exception {
        try (Stream<Path> s = Files.list(bundle)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().startsWith(".tmp-gen-")) {
                    try (Stream<Path> files = Files.list(p)) {
                        if (files.findAny().isPresent()) {
                            return true;
                        }
                    } catch (java.nio.file.NoSuchFileException gone) {
                        return false;
                    }
                }
            }
        }
        return false;
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
