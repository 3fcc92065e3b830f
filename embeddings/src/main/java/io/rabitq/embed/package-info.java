/**
 * Text to vectors (module {@code embeddings}, separate so that users who only search vectors carry no ONNX Runtime):
 * {@link io.rabitq.embed.SentenceEncoder} runs an ONNX sentence model with its Hugging Face tokenizer (the quantized
 * all-MiniLM-L6-v2 by default) and {@link io.rabitq.embed.TextEmbedder} is its Spark ML Transformer.
 *
 * <p><b>Invariants.</b> A text's vector depends only on the text and the model — never on the batch, partition or
 * executor it ran in — and has unit length; a null text gives a null vector.
 */
package io.rabitq.embed;
