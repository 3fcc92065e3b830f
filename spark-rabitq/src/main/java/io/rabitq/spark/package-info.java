/**
 * RaBitQ on Spark (module {@code spark-rabitq}): {@link io.rabitq.spark.RabitqIndexer} (a Spark ML Estimator) trains
 * a {@link io.rabitq.core.Codebook} on a sample; {@link io.rabitq.spark.RabitqModel} (its Model) quantizes a DataFrame
 * into a bundle, one partition file per task, and adds neighbour columns in {@code transform};
 * {@link io.rabitq.spark.RabitqSearch#searchBatch} searches a bundle in streaming tasks, whole or in shards;
 * {@link io.rabitq.spark.RabitqFunctions} and {@link io.rabitq.spark.RabitqExtensions} give the column and SQL
 * function {@code rabitq_search}; {@link io.rabitq.spark.RabitqReindex} keeps a bundle in step with its Delta table
 * through the change data feed. {@code PartitionFiles} is the one pipeline that turns rows into partition files, for
 * both.
 *
 * <p><b>Invariants.</b> Bad columns and parameters fail on the driver before a job starts whenever the schema shows
 * them; errors from tasks surface as our own {@link io.rabitq.core.RabitqException}. A failed index job publishes
 * nothing; retried tasks write identical files. A re-index publishes only over the generation its changes were
 * computed from. {@code searchBatch} prepares each query once, in the task that reads it; it returns exactly the
 * single-process index's answer over a bundle that fits one task, and over a sharded bundle an answer no worse at any
 * rank while the error bounds hold (partitions that share clusters are in one shard).
 */
package io.rabitq.spark;
