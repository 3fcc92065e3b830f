package io.rabitq.spark;

import java.util.function.Supplier;
import org.apache.spark.SparkContext;

/**
 * Names the Spark jobs of one phase of our work ({@code setJobDescription}), so the Spark UI, listeners and logs
 * say "rabitq index: write partition files" instead of a call site. The previous description is restored after.
 */
final class JobPhase {
    /** Prefix of every job description we set. */
    static final String PREFIX = "rabitq ";
    private static final String DESCRIPTION = "spark.job.description";

    private JobPhase() {
    }

    static <T> T run(SparkContext sc, String description, Supplier<T> work) {
        String previous = sc.getLocalProperty(DESCRIPTION);
        sc.setJobDescription(PREFIX + description);
        try {
            return work.get();
        } finally {
            sc.setLocalProperty(DESCRIPTION, previous);
        }
    }
}
