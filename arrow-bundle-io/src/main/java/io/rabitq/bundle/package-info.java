/**
 * The bundle format: a directory of generations, each a manifest with its witness, a centroid file and partition
 * files (Arrow IPC, with Parquet exchange), published atomically by swapping {@code CURRENT}. No Spark and no
 * quantizer math (module {@code arrow-bundle-io}; it depends on {@code rabitq-core} only for the exception root).
 *
 * <p><b>Invariants.</b> Readers see whole generations only; a crash mid-publish leaves the previous one live. The
 * witness covers every load-bearing manifest field and every file's content hash: equal witness, same bytes. Any
 * file that does not match is refused with a {@link io.rabitq.bundle.BundleException} that names it.
 */
package io.rabitq.bundle;
