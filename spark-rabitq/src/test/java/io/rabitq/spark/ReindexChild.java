package io.rabitq.spark;

import org.apache.spark.sql.SparkSession;

/** A reindex in a JVM of its own, for {@link ReindexCrashTest} to kill: args are the table and the bundle. */
public final class ReindexChild {
    private ReindexChild() {
    }

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("reindex-child").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").config("spark.databricks.delta.snapshotPartitions", "2")
                .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog").getOrCreate();
        RabitqReindex.run(spark, args[0], args[1], new RabitqReindex.Options());
        spark.stop();
    }
}
