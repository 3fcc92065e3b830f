/**
 * Benchmarks and demos ({@link io.rabitq.jobs.tools.ToolsCli}): bench, bundle-bench, bench-spark, lake-warm-restart
 * and lake-bench. They ship in {@code spark-rabitq-tools.jar} only, never in the app jar; {@code bin/spark-rabitq}
 * routes their names there.
 */
package io.rabitq.jobs.tools;
