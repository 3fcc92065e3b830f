package io.rabitq.connect;

import static org.apache.spark.sql.functions.call_function;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.connect.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Spark Connect server in its own JVM (Spark's jars, the app jar, {@code RabitqExtensions} with Delta's) and the JVM
 * Connect client in this one, which has no Spark SQL engine on its class path: the quickstart's Delta table and its
 * registered bundle, searched with {@code rabitq_search} and with {@code APPROX NEAREST BY} in SQL and DataFrame form.
 */
class ConnectTest {
    private static final int QUERIES = 20;
    private static final int K = 5;
    private static Path work;
    private static Process server;
    private static SparkSession spark;
    private static String table;
    private static String bundle;

    @BeforeAll
    static void startServer() throws Exception {
        work = Path.of(System.getProperty("connect.workDir"));
        Files.createDirectories(work);
        Path quickstart = work.resolve("quickstart");
        table = quickstart.resolve("vectors").toString();
        bundle = quickstart.resolve("bundle").toString();
        Process qs = java(List.of("io.rabitq.jobs.Cli", "quickstart", "--n", "4000", "--dim", "16", "--queries", "50",
                "--dir", quickstart.toString()), List.of(), work.resolve("quickstart.log"));
        assertTrue(qs.waitFor(5, TimeUnit.MINUTES), "quickstart finished");
        assertEquals(0, qs.exitValue(), Files.readString(work.resolve("quickstart.log")));

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = java(List.of("org.apache.spark.sql.connect.service.SparkConnectServer"), List.of(
                "-Dspark.master=local[2]", "-Dspark.ui.enabled=false", "-Dspark.sql.shuffle.partitions=4",
                "-Dspark.connect.grpc.binding.port=" + port,
                "-Dspark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension,io.rabitq.spark.RabitqExtensions",
                "-Dspark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog"), work.resolve("server.log"));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!listening(port)) {
            assertTrue(server.isAlive(), "the Connect server died: " + Files.readString(work.resolve("server.log")));
            assertTrue(System.nanoTime() < deadline, "the Connect server did not listen within 2 minutes");
            Thread.sleep(500);
        }
        spark = SparkSession.builder().remote("sc://localhost:" + port).getOrCreate();
    }

    @AfterAll
    static void stopServer() {
        if (spark != null) {
            spark.close();
        }
        if (server != null) {
            server.destroyForcibly();
        }
    }

    /** A JVM with Spark's jars, the app jar and the Connect server's jars, as spark-submit would start it. */
    private static Process java(List<String> mainAndArgs, List<String> props, Path log) throws IOException {
        List<String> cp = new ArrayList<>();
        cp.add(System.getProperty("connect.appJar"));
        cp.add(Files.readString(Path.of(System.getProperty("connect.sparkClasspath"))).trim());
        cp.add(System.getProperty("connect.serverJars") + File.separator + "*");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx2g");
        cmd.addAll(Arrays.asList(System.getProperty("connect.jvmFlags").trim().split("\\s+")));
        cmd.addAll(props);
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, cp));
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("localhost", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void rabitqSearchAnswersThroughConnect() {
        List<Row> rows = spark.sql("SELECT id, rabitq_search(vector, '" + bundle + "', " + K + ") AS nn FROM delta.`" + table
                + "` WHERE id < " + QUERIES).collectAsList();
        assertEquals(QUERIES, rows.size());
        for (Row r : rows) {
            List<Row> nn = r.getList(1);
            assertEquals(K, nn.size());
            assertEquals(r.getLong(0), nn.get(0).getLong(0), "every vector finds itself first");
        }
    }

    @Test
    void nearestByJoinSearchesTheRegisteredBundleInSqlAndDataFrameForm() {
        String sql = "SELECT a.id AS query, b.id FROM (SELECT id, vector FROM delta.`" + table + "` WHERE id < " + QUERIES
                + ") a JOIN delta.`" + table + "` b APPROX NEAREST " + K + " BY DISTANCE vector_l2_distance(a.vector, b.vector)";
        String plan = spark.sql("EXPLAIN " + sql).first().getString(0);
        assertTrue(plan.contains("NearestScan"), "planned as a bundle search:\n" + plan);
        assertFindsItself(spark.sql(sql).collectAsList());

        Dataset<Row> docs = spark.read().format("delta").load(table);
        Dataset<Row> queries = docs.where("id < " + QUERIES).withColumnRenamed("id", "query").withColumnRenamed("vector", "q");
        Dataset<Row> joined = queries.nearestByJoin(docs, call_function("vector_l2_distance", queries.col("q"), docs.col("vector")),
                K, "approx", "distance");
        assertFindsItself(joined.select("query", "id").collectAsList());
    }

    /** K rows per query, and each query among its own neighbours. */
    private static void assertFindsItself(List<Row> rows) {
        Map<Long, Set<Long>> byQuery = new HashMap<>();
        rows.forEach(r -> byQuery.computeIfAbsent(r.getLong(0), q -> new HashSet<>()).add(r.getLong(1)));
        assertEquals(QUERIES, byQuery.size());
        byQuery.forEach((q, ids) -> {
            assertEquals(K, ids.size(), "neighbours of " + q);
            assertTrue(ids.contains(q), q + " among its own neighbours " + ids);
        });
    }
}
