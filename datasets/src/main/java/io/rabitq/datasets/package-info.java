/**
 * Benchmark and test data without any dependency: seeded clustered Gaussians, {@code .fvecs/.ivecs/.bvecs} files,
 * exact ground truth and recall@k.
 */
package io.rabitq.datasets;
