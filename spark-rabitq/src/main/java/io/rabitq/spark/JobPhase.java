package io.rabitq.spark;

import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Names the Spark jobs of one phase of our work ({@code setJobDescription}), so the Spark UI, listeners and logs
 * say "rabitq index: write partition files" instead of a call site, and logs the phase's start and end on the
 * {@link ProgressListener#LOGGER} logger (driver-side phases such as k-means have no Spark job to show). The previous
 * description is restored after.
 */
public final class JobPhase {
    /** Prefix of every job description we set. */
    static final String PREFIX = "rabitq ";
    private static final String DESCRIPTION = "spark.job.description";

    private JobPhase() {
    }

    /** Runs {@code work} with its jobs described as {@code "rabitq " + description}, logging its start and end. */
    public static <T> T run(SparkContext sc, String description, Supplier<T> work) {
        return run(sc, description, null, work);
    }

    /**
     * {@link #run}, for work whose jobs' last stage counts its finished rows in {@code rows}: progress then reports that
     * count.
     */
    static <T> T runCounted(SparkContext sc, String description, LongAccumulator rows, Supplier<T> work) {
        return run(sc, description, Long.toString(rows.id()), work);
    }

    private static <T> T run(SparkContext sc, String description, String rowsCounterId, Supplier<T> work) {
        String previous = sc.getLocalProperty(DESCRIPTION);
        String previousCounter = sc.getLocalProperty(ProgressListener.ROWS_COUNTER_PROPERTY);
        sc.setJobDescription(PREFIX + description);
        sc.setLocalProperty(ProgressListener.ROWS_COUNTER_PROPERTY, rowsCounterId);
        long t0 = System.nanoTime();
        ProgressListener.LOG.info("{}{} ...", PREFIX, description);
        try {
            T result = work.get();
            ProgressListener.LOG.info("{}{}: done in {} s", PREFIX, description, String.format("%.1f", (System.nanoTime() - t0) / 1e9));
            return result;
        } finally {
            sc.setLocalProperty(DESCRIPTION, previous);
            sc.setLocalProperty(ProgressListener.ROWS_COUNTER_PROPERTY, previousCounter);
        }
    }
}
