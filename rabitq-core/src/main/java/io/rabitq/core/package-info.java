/**
 * RaBitQ on the JDK alone: rotations, the quantizer and its estimator with error bounds, scan kernels, and the
 * index family. No dependency of any kind (module {@code rabitq-core}); never imports Spark.
 *
 * <p><b>Owns.</b> The {@link io.rabitq.core.AnnIndex} family ({@link io.rabitq.core.FlatIndex},
 * {@link io.rabitq.core.RabitqIndex}, {@link io.rabitq.core.RabitqPlusIndex}, {@link io.rabitq.core.RabitqAsymIndex},
 * {@link io.rabitq.core.IvfRabitqIndex}); the one build pipeline {@link io.rabitq.core.Codebook}
 * (train → assign → encode a cluster), used by the single-process indexes and the Spark index job alike;
 * {@link io.rabitq.core.PreparedQueries}, made once (validated, rotated, probes chosen) and searchable by every part
 * of a split index; {@link io.rabitq.core.RerankLog}, whose merge reproduces the whole index's answer;
 * {@link io.rabitq.core.IndexSnapshot}, the plain arrays a bundle persists; and the product's exception root
 * {@link io.rabitq.core.RabitqException}.
 *
 * <p><b>Invariants.</b> The scan kernel is chosen once per JVM ({@link io.rabitq.core.Kernels}); callers never pass
 * one, and every kernel returns the same floats bit for bit. Results depend only on the data, the options and the
 * seed — not on the kernel, the thread count or whether queries are searched alone or in a batch. Vectors are
 * validated before use (dimension, finite components, non-zero under cosine) and cosine vectors are normalized in
 * one place ({@link io.rabitq.core.Vectors#prepare}). Where a distance is computed: the 1-bit estimate in the kernels
 * ({@code ScalarScanKernel}, {@code PanamaScanKernel}), the extended (multi-bit) estimate in {@code ExtendedCode} (its
 * inner product in the kernels' {@code codeDot}), the exact rerank (only for indexes that keep raw vectors) in
 * {@code IvfEngine.exact}.
 */
package io.rabitq.core;
