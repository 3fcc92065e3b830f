package io.rabitq.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.core.FlatIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.datasets.VecsIO;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.StringJoiner;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data in and out: {@code import} of every format into Delta, then train, index with raw vectors and {@code export};
 * DuckDB (its JDBC driver) reads the exported Parquet and finds the same exact top-10 as our {@link FlatIndex}.
 */
class ImportExportTest {
    private static final int N = 3000;
    private static final int DIM = 24;

    @TempDir
    Path dir;

    private static Object[] run(String... args) {
        return CliRun.capture(Cli::run, args);
    }

    @Test
    void importedVectorsIndexExportAndDuckDbFindsTheExactNeighbours() throws Exception {
        Random rnd = new Random(5);
        float[] data = new float[N * DIM];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        Path fvecs = dir.resolve("base.fvecs");
        VecsIO.writeFvecs(fvecs, data, DIM);
        String table = dir.resolve("vectors").toString();
        Object[] imported = run("import", "--input", fvecs.toString(), "--output", table);
        assertEquals(0, imported[0], (String) imported[2]);
        assertTrue(((String) imported[1]).contains("\"format\":\"fvecs\",\"rows\":3000"), (String) imported[1]);
        SparkSession spark = Sessions.get("ImportExportTest");
        try {
            List<Row> rows = spark.read().format("delta").load(table).orderBy("id").collectAsList();
            assertEquals(N, rows.size());
            for (int r : new int[] {0, 1234, N - 1}) {
                assertEquals(r, rows.get(r).getLong(0), "ids are the file's row numbers");
                List<Float> v = rows.get(r).getList(1);
                for (int j = 0; j < DIM; j++) {
                    assertEquals(data[r * DIM + j], v.get(j), "row " + r + " component " + j);
                }
            }
            // Parquet with an ML Vector column and another column: id and vector normalised, the other column kept
            StructType schema = new StructType().add("key", DataTypes.LongType).add("features", new org.apache.spark.ml.linalg.VectorUDT())
                    .add("name", DataTypes.StringType);
            spark.createDataFrame(List.of(RowFactory.create(7L, Vectors.dense(1, 2, 3), "seven"), RowFactory.create(8L, Vectors.dense(4, 5, 6), "eight")),
                    schema).write().parquet(dir.resolve("ml.parquet").toString());
        } finally {
            spark.stop();
        }
        Object[] fromParquet = run("import", "--input", dir.resolve("ml.parquet").toString(), "--output", dir.resolve("ml").toString(),
                "--id-col", "key", "--vector-col", "features");
        assertEquals(0, fromParquet[0], (String) fromParquet[2]);
        Path bvecs = dir.resolve("small.bvecs");
        VecsIO.writeBvecs(bvecs, new float[] {0, 255, 7, 1, 2, 3}, 3);
        assertEquals(0, run("import", "--input", bvecs.toString(), "--output", dir.resolve("b").toString())[0]);
        Path digits = Files.createDirectories(dir.resolve("digits"));
        StringJoiner pixels = new StringJoiner(",", "{\"data\":[", "]}");
        for (int i = 0; i < 2 * 784; i++) {
            pixels.add(i % 784 == 5 ? "0.5" : "0");
        }
        Files.writeString(digits.resolve("3.json"), pixels.toString());
        Object[] mnist = run("import", "--input", digits.toString(), "--output", dir.resolve("mnist").toString());
        assertEquals(0, mnist[0], (String) mnist[2]);
        spark = Sessions.get("ImportExportTest");
        try {
            Row ml = spark.read().format("delta").load(dir.resolve("ml").toString()).where("id = 8").first();
            assertEquals(List.of(4f, 5f, 6f), ml.getList(1), "ML Vector -> array<float>");
            assertEquals("eight", ml.getString(2), "other columns kept");
            assertEquals(List.of(1f, 2f, 3f), spark.read().format("delta").load(dir.resolve("b").toString()).where("id = 1").first().getList(1),
                    "bvecs: unsigned bytes as floats");
            List<Row> m = spark.read().format("delta").load(dir.resolve("mnist").toString()).orderBy("id").collectAsList();
            assertEquals(2, m.size());
            assertEquals(3, m.get(1).getInt(2), "the digit's file gives the label");
            assertEquals(784, m.get(1).getList(1).size());
            assertEquals(0.5f, (Float) m.get(1).getList(1).get(5));
        } finally {
            spark.stop();
        }

        // train and index with raw vectors, then export: DuckDB computes the exact top-10 from the exported raw column
        String model = dir.resolve("model").toString();
        String bundle = dir.resolve("bundle").toString();
        Object[] train = run("train", "--input", table, "--model", model, "--nlist", "10", "--store-raw");
        assertEquals(0, train[0], (String) train[2]);
        Object[] index = run("index", "--input", table, "--model", model, "--bundle", bundle, "--partitions", "2");
        assertEquals(0, index[0], (String) index[2]);
        Object[] sql = run("sql", "--json", "SELECT count(*) AS n FROM delta.`" + table + "`; -- a comment; with a semicolon\n"
                + "SELECT id, size(rabitq_search(vector, '" + bundle + "', 5)) AS k FROM delta.`" + table + "` WHERE id < 3 ORDER BY id");
        assertEquals(0, sql[0], (String) sql[2]);
        assertEquals("{\"n\":3000}\n{\"id\":0,\"k\":5}\n{\"id\":1,\"k\":5}\n{\"id\":2,\"k\":5}", ((String) sql[1]).trim(),
                "a Delta read and rabitq_search in one session");
        // search keeps the query rows' other columns and says which generation answered
        String queries = dir.resolve("queries").toString();
        Object[] ctas = run("sql", "CREATE TABLE queries USING delta LOCATION '" + queries + "' AS SELECT id AS qid, vector AS q, concat('doc-', id) AS title "
                + "FROM delta.`" + table + "` WHERE id < 50");
        assertEquals(0, ctas[0], (String) ctas[2]);
        Object[] search = run("search", "--queries", queries, "--query-id-col", "qid", "--query-vector-col", "q", "--bundle", bundle, "--output",
                dir.resolve("found").toString(), "--k", "4");
        assertEquals(0, search[0], (String) search[2]);
        assertTrue(((String) search[1]).contains("\"bundle_generation\":\"gen-000001\""), (String) search[1]);
        Object[] found = run("sql", "--json", "SELECT * FROM delta.`" + dir.resolve("found") + "` WHERE query_id = 7");
        assertEquals(0, found[0], (String) found[2]);
        String row = ((String) found[1]).trim();
        assertTrue(row.matches("\\{\"query_id\":7,\"neighbors\":\\[\\{\"id\":7,.*\\}\\],\"title\":\"doc-7\",\"bundle_generation\":"
                + "\"gen-000001\",\"bundle_witness\":\"[0-9a-f]{64}\",\"source_version\":\"0\"\\}"), row);
        Object[] evaluate = run("evaluate", "--input", table, "--queries", queries, "--query-id-col", "qid", "--query-vector-col", "q",
                "--bundle", bundle, "--sample", "20");
        assertEquals(0, evaluate[0], (String) evaluate[2]);
        assertTrue(((String) evaluate[1]).matches("(?s).*\"search_qps_cold\":[0-9.]+,\"search_qps_warm\":[0-9.]+,\"exact_qps\":[0-9.]+,"
                + "\"input_version\":\"0\".*"), (String) evaluate[1]);
        assertTrue(((String) evaluate[2]).contains("cold (opening and verifying the bundle"), (String) evaluate[2]);
        Object[] badSql = run("sql", "SELEC 1");
        assertEquals(1, badSql[0]);
        String badErr = ((String) badSql[2]).trim();
        assertTrue(badErr.startsWith("error: [PARSE_SYNTAX_ERROR]") && !badErr.contains("\tat "), badErr);
        Path export = dir.resolve("export");
        Object[] exported = run("export", "--bundle", bundle, "--output", export.toString());
        assertEquals(0, exported[0], (String) exported[2]);
        assertTrue(((String) exported[1]).contains("\"rows\":3000,\"files\":3,\"has_raw\":true"), (String) exported[1]);
        Object[] again = run("export", "--bundle", bundle, "--output", export.toString());
        assertEquals("error: --output " + export + " is not empty; choose a new directory", ((String) again[2]).trim());

        FlatIndex flat = new FlatIndex(DIM);
        for (int r = 0; r < N; r++) {
            flat.add(r, java.util.Arrays.copyOfRange(data, r * DIM, (r + 1) * DIM));
        }
        flat.build();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            for (int q = 0; q < 5; q++) {
                float[] query = new float[DIM];
                StringJoiner literal = new StringJoiner(", ", "[", "]");
                for (int j = 0; j < DIM; j++) {
                    query[j] = (float) rnd.nextGaussian();
                    literal.add(Float.toString(query[j]));
                }
                List<Long> duck = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT id FROM read_parquet('" + export + "/part-*.parquet') ORDER BY "
                        + "array_distance(raw::FLOAT[" + DIM + "], " + literal + "::FLOAT[" + DIM + "]) LIMIT 10")) {
                    while (rs.next()) {
                        duck.add(rs.getLong(1));
                    }
                }
                Neighbor[] ours = flat.searchBatch(new float[][] {query}, 10)[0];
                assertArrayEquals(java.util.Arrays.stream(ours).mapToLong(Neighbor::id).toArray(),
                        duck.stream().mapToLong(Long::longValue).toArray(), "query " + q);
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT id), min(len(raw)) FROM read_parquet('" + export
                    + "/part-*.parquet')")) {
                assertTrue(rs.next());
                assertEquals(N, rs.getLong(1));
                assertEquals(N, rs.getLong(2));
                assertEquals(DIM, rs.getInt(3));
            }
        }
    }

    @Test
    void badFilesAreRefusedWithTheRowAndWhatIsWrong() throws Exception {
        Path truncated = dir.resolve("truncated.fvecs");
        VecsIO.writeFvecs(truncated, new float[40], 4);
        byte[] bytes = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        Object[] t = run("import", "--input", truncated.toString(), "--output", dir.resolve("t").toString());
        assertEquals(1, t[0]);
        assertEquals("error: " + truncated + ": its size 197 is not a multiple of the row size 20 (dimension 4): the file is truncated "
                + "or mixes dimensions", ((String) t[2]).trim());
        assertTrue(org.apache.spark.SparkContext$.MODULE$.getActive().isEmpty(), "refused before Spark started");

        Path mixed = dir.resolve("mixed.fvecs");
        VecsIO.writeFvecs(mixed, new float[40], 4);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(mixed)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(7 * 20, 3); // row 7 claims dimension 3; the size still fits dimension 4
        Files.write(mixed, b.array());
        Object[] m = run("import", "--input", mixed.toString(), "--output", dir.resolve("m").toString());
        assertEquals(1, m[0]);
        String err = ((String) m[2]).trim();
        assertTrue(err.endsWith("error: " + mixed.toAbsolutePath() + ": row 7 has dimension 3 but row 0 has 4; the file mixes dimensions "
                + "or is damaged"), err);
        assertFalse(err.contains("\tat "), "no stack frame: " + err);
        assertFalse(Files.exists(dir.resolve("m/_delta_log")) && Files.list(dir.resolve("m/_delta_log")).anyMatch(p -> p.toString().endsWith(".json")),
                "nothing committed");

        Object[] remote = run("import", "--input", "s3a://bucket/base.fvecs", "--output", dir.resolve("r").toString(), "--format", "fvecs");
        assertEquals("error: --input s3a://bucket/base.fvecs: only Parquet is read from other file systems; copy fvecs files to a local "
                + "path (on a cluster: one every executor sees)", ((String) remote[2]).trim());
        Object[] unknown = run("import", "--input", truncated.toString(), "--output", dir.resolve("u").toString(), "--format", "csv");
        assertEquals("error: --format must be fvecs, bvecs, mnist-json, parquet or auto but was 'csv'", ((String) unknown[2]).trim());
    }
}
