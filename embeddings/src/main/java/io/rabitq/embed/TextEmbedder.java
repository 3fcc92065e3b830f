package io.rabitq.embed;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Text to vectors as a Spark ML {@link Transformer}: {@code inputCol} (string) → {@code outputCol}
 * ({@code array<float>}, unit length), computed on the executors by a {@link SentenceEncoder}. Each executor JVM
 * loads the model once, lazily, and its tasks share it; a task tokenizes its partition {@code batchSize} texts at a time
 * and runs the model on each text alone (so a vector never depends on its batch; see {@link SentenceEncoder#encode}),
 * with {@code threads} ONNX intra-op threads. The default model is all-MiniLM-L6-v2
 * (quantized, 384-d, bundled); {@code modelPath} and {@code tokenizerPath} name any ONNX sentence model and its
 * {@code tokenizer.json} (on a path every executor can read).
 *
 * <p>A null text gives a null vector. A text longer than the token limit ({@code maxTokens}, or the tokenizer's own:
 * 128 for MiniLM) is cut; the texts cut by the last {@link #transform} are counted by {@link #truncatedTexts()} once an
 * action has run (the Spark UI shows the same accumulator). Works in a {@link org.apache.spark.ml.Pipeline} and is
 * saved and loaded with it.
 */
public final class TextEmbedder extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final ConcurrentHashMap<Model, SentenceEncoder> ENCODERS = new ConcurrentHashMap<>();

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> modelPath;
    private final Param<String> tokenizerPath;
    private final IntParam maxTokens;
    private final IntParam threads;
    private final IntParam batchSize;
    private transient LongAccumulator truncated;

    public TextEmbedder() {
        this(Identifiable.randomUID("textEmbedder"));
    }

    public TextEmbedder(String uid) {
        this.uid = uid;
        inputCol = new Param<>(uid, "inputCol", "text column: string; null gives a null vector (default text)");
        outputCol = new Param<>(uid, "outputCol", "column transform adds: array<float>, unit length (default embedding)");
        modelPath = new Param<>(uid, "modelPath", "ONNX sentence model every executor can read (default: the bundled all-MiniLM-L6-v2)");
        tokenizerPath = new Param<>(uid, "tokenizerPath", "the model's tokenizer.json (required with modelPath)");
        maxTokens = new IntParam(uid, "maxTokens", "tokens per text before cutting (>= 0, default 0: the tokenizer's own limit)",
                ParamValidators.gtEq(0));
        threads = new IntParam(uid, "threads", "ONNX intra-op threads per executor JVM (>= 1, default 1)", ParamValidators.gtEq(1));
        batchSize = new IntParam(uid, "batchSize", "texts tokenized together in a task (>= 1, default 64)", ParamValidators.gtEq(1));
        setDefault(inputCol, "text");
        setDefault(outputCol, "embedding");
        setDefault(maxTokens, 0);
        setDefault(threads, 1);
        setDefault(batchSize, 64);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> modelPath() {
        return modelPath;
    }

    public Param<String> tokenizerPath() {
        return tokenizerPath;
    }

    public IntParam maxTokens() {
        return maxTokens;
    }

    public IntParam threads() {
        return threads;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public TextEmbedder setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    public TextEmbedder setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /** An ONNX sentence model and its {@code tokenizer.json}, instead of the bundled MiniLM. */
    public TextEmbedder setModel(String onnxPath, String tokenizerJsonPath) {
        set(modelPath, onnxPath);
        set(tokenizerPath, tokenizerJsonPath);
        return this;
    }

    public TextEmbedder setMaxTokens(int value) {
        set(maxTokens, value);
        return this;
    }

    public TextEmbedder setThreads(int value) {
        set(threads, value);
        return this;
    }

    public TextEmbedder setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    /** Texts the last {@link #transform} cut to the token limit, counted by the actions run on its result so far. */
    public long truncatedTexts() {
        return truncated == null ? 0 : truncated.sum();
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int column = dataset.schema().fieldIndex(getOrDefault(inputCol));
        Model model = model();
        model.checkFiles(); // a missing model fails here, on the driver; the model itself loads on the executors
        truncated = dataset.sparkSession().sparkContext().longAccumulator("rabitq embed: texts cut to the token limit");
        LongAccumulator counter = truncated;
        int batch = (Integer) getOrDefault(batchSize);
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows ->
                new Embedded(rows, model.encoder(), column, batch, counter), Encoders.row(out));
    }

    /** Checks that the input column is a string and the output column is new, and adds it. */
    @Override
    public StructType transformSchema(StructType schema) {
        String in = getOrDefault(inputCol);
        String outCol = getOrDefault(outputCol);
        if (!java.util.Arrays.asList(schema.fieldNames()).contains(in)) {
            throw new IllegalArgumentException("text column '" + in + "' does not exist; available columns: "
                    + String.join(", ", schema.fieldNames()));
        }
        DataType t = schema.apply(in).dataType();
        if (!t.equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("text column '" + in + "' has type " + t.simpleString() + "; it must be a string");
        }
        if (java.util.Arrays.asList(schema.fieldNames()).contains(outCol)) {
            throw new IllegalArgumentException("output column '" + outCol + "' already exists; setOutputCol to another name");
        }
        if (isDefined(modelPath) != isDefined(tokenizerPath)) {
            throw new IllegalArgumentException("give the model and its tokenizer together: setModel(onnxPath, tokenizerJsonPath)");
        }
        return schema.add(outCol, DataTypes.createArrayType(DataTypes.FloatType, false), true);
    }

    @Override
    public TextEmbedder copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<TextEmbedder> read() {
        return new DefaultParamsReader<>();
    }

    public static TextEmbedder load(String path) {
        return read().load(path);
    }

    private Model model() {
        return new Model(isDefined(modelPath) ? getOrDefault(modelPath) : null, isDefined(tokenizerPath) ? getOrDefault(tokenizerPath) : null,
                (Integer) getOrDefault(maxTokens), (Integer) getOrDefault(threads));
    }

    /** Which encoder to use: the key of the per-JVM encoder cache, shipped to the tasks. */
    private record Model(String onnx, String tokenizer, int maxTokens, int threads) implements Serializable {
        /** Fails unless a given model and tokenizer file can be read here (the bundled model always can). */
        void checkFiles() {
            for (String f : onnx == null ? new String[0] : new String[] {onnx, tokenizer}) {
                if (!java.nio.file.Files.isReadable(Path.of(f))) {
                    throw new EmbeddingException("cannot read " + f + "; give an ONNX sentence model and the tokenizer.json it "
                            + "was trained with, on a path the driver and every executor can read", null);
                }
            }
        }

        /** This JVM's encoder for the model, loaded on first use and shared by every task. */
        SentenceEncoder encoder() {
            return ENCODERS.computeIfAbsent(this, m -> m.onnx == null ? SentenceEncoder.miniLm(maxTokens, threads)
                    : SentenceEncoder.fromFiles(Path.of(onnx), Path.of(tokenizer), maxTokens, threads));
        }
    }

    /** A partition's rows with their embedding appended, embedded {@code batch} texts at a time. */
    private static final class Embedded implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final SentenceEncoder encoder;
        private final int column;
        private final int batch;
        private final LongAccumulator truncated;
        private final List<Row> pending = new ArrayList<>();
        private float[][] vectors = new float[0][];
        /** Next row of {@code pending} to return, and next vector (null texts have none). */
        private int next;
        private int vectorIndex;

        Embedded(Iterator<Row> rows, SentenceEncoder encoder, int column, int batch, LongAccumulator truncated) {
            this.rows = rows;
            this.encoder = encoder;
            this.column = column;
            this.batch = batch;
            this.truncated = truncated;
        }

        @Override
        public boolean hasNext() {
            if (next < pending.size()) {
                return true;
            }
            pending.clear();
            next = 0;
            vectorIndex = 0;
            while (pending.size() < batch && rows.hasNext()) {
                pending.add(rows.next());
            }
            List<String> texts = new ArrayList<>();
            for (Row r : pending) {
                if (!r.isNullAt(column)) {
                    texts.add(r.getString(column));
                }
            }
            SentenceEncoder.Embeddings e = encoder.encode(texts);
            truncated.add(e.truncated());
            vectors = e.vectors();
            return !pending.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row r = pending.get(next++);
            Object[] values = new Object[r.length() + 1];
            for (int i = 0; i < r.length(); i++) {
                values[i] = r.get(i);
            }
            values[r.length()] = r.isNullAt(column) ? null : boxed(vectors[vectorIndex++]);
            return RowFactory.create(values);
        }

        private static Float[] boxed(float[] v) {
            Float[] out = new Float[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i];
            }
            return out;
        }
    }
}
