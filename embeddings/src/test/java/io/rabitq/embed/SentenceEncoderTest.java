package io.rabitq.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our MiniLM embeddings against the model's own library call, and the encoder's edges. */
class SentenceEncoderTest {
    static SentenceEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = SentenceEncoder.miniLm(0, 1);
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    /** 100 different sentences: short and long, punctuation, digits, accents, one word. */
    static List<String> sentences() {
        String[] who = {"The cat", "A quantum computer", "My grandmother", "The Spark driver", "An old lighthouse keeper"};
        String[] does = {"quietly watches", "cannot explain", "writes a long letter about", "dreams of", "is searching for"};
        String[] what = {"the rain over Lisbon.", "vectors in 384 dimensions!", "her café near the station", "why caches fail?",
            "a nearest neighbour, fast"};
        List<String> out = new ArrayList<>();
        for (String a : who) {
            for (String b : does) {
                for (String c : what) {
                    out.add(a + " " + b + " " + c);
                }
            }
        }
        return new ArrayList<>(out.subList(0, 96));
    }

    @Test
    void embeddingsMatchTheModelsOwnLibrary() {
        List<String> texts = sentences();
        texts.add("Hello");
        texts.add("Ünïcödé façade — naïve résumé, 東京");
        texts.add("x");
        texts.add(String.join(" ", java.util.Collections.nCopies(40, "a fairly long sentence keeps going")).substring(0, 900));
        assertEquals(100, texts.size());
        AllMiniLmL6V2QuantizedEmbeddingModel reference = new AllMiniLmL6V2QuantizedEmbeddingModel();
        float[][] ours = encoder.encode(texts).vectors(); // one call for all: no text's vector may depend on the others
        double worst = 1;
        for (int i = 0; i < texts.size(); i++) {
            float[] theirs = reference.embed(texts.get(i)).content().vector();
            assertEquals(384, ours[i].length);
            double dot = 0;
            double nt = 0;
            for (int j = 0; j < 384; j++) {
                dot += ours[i][j] * theirs[j];
                nt += theirs[j] * theirs[j];
            }
            worst = Math.min(worst, dot / Math.sqrt(nt));
            assertArrayEquals(ours[i], encoder.encode(List.of(texts.get(i))).vectors()[0], "the same vector alone as in a batch");
        }
        assertTrue(worst >= 0.9999, "worst cosine to the reference over 100 sentences: " + worst);
    }

    @Test
    void vectorsAreUnitLengthAndLongTextsAreCountedAsTruncated() {
        try (SentenceEncoder short8 = SentenceEncoder.miniLm(8, 1)) {
            SentenceEncoder.Embeddings e = short8.encode(List.of("one two", "one two three four five six seven eight nine ten"));
            float[][] v = e.vectors();
            double norm = 0;
            for (float x : v[1]) {
                norm += x * x;
            }
            assertEquals(1.0, norm, 1e-5);
            assertEquals(1, e.truncated());
        }
        assertEquals(0, encoder.encode(List.of()).vectors().length);
    }

    @Test
    void anyOnnxSentenceModelLoadsFromFiles() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("model");
        for (String name : new String[] {SentenceEncoder.MINILM_MODEL, SentenceEncoder.MINILM_TOKENIZER}) {
            try (java.io.InputStream in = SentenceEncoder.class.getClassLoader().getResourceAsStream(name)) {
                java.nio.file.Files.copy(in, dir.resolve(name));
            }
        }
        try (SentenceEncoder files = SentenceEncoder.fromFiles(dir.resolve(SentenceEncoder.MINILM_MODEL),
                dir.resolve(SentenceEncoder.MINILM_TOKENIZER), 0, 2)) {
            assertEquals(384, files.dim());
            assertArrayEquals(encoder.encode(List.of("a model given by path")).vectors()[0],
                    files.encode(List.of("a model given by path")).vectors()[0]);
        }
    }

    @Test
    void aMissingModelFileSaysWhatToGive() {
        EmbeddingException e = assertThrows(EmbeddingException.class,
                () -> SentenceEncoder.fromFiles(Path.of("/nowhere/model.onnx"), Path.of("/nowhere/tokenizer.json"), 256, 1));
        assertTrue(e.getMessage().contains("/nowhere/model.onnx") && e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
