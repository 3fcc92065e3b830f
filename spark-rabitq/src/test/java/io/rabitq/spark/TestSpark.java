package io.rabitq.spark;

import org.apache.spark.sql.SparkSession;

/** One real local[2] SparkSession (tasks may be retried up to 4 times) per test JVM (starting one costs seconds), shared by every Spark test class. */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master("local[2,4]") // 4 attempts per task, so retries can be tested.appName("spark-rabitq-tests")
                    .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                    .config("spark.databricks.delta.snapshotPartitions", "2")
                    .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension," + RabitqExtensions.class.getName())
                    .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog").getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }
}
