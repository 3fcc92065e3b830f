/**
 * The single-process lake layer: a witness-keyed cache of quantized indexes ({@link io.rabitq.lake.VectorCache}) in
 * front of backends (in-memory, bundle directories, Parquet, Delta through Delta Kernel), consistency modes,
 * federated search ({@link io.rabitq.lake.Lake}), and the index ⇄ bundle codec ({@link io.rabitq.lake.IndexBundles}).
 * Depends on core, bundle and Delta Kernel (module {@code rabitq-lake}); never imports Spark.
 *
 * <p><b>Invariants.</b> A cache entry is keyed by the witness of the bytes it was built from; concurrent misses of one
 * key build once; searches take no lock; a bundle loads back with bit-identical answers.
 */
package io.rabitq.lake;
