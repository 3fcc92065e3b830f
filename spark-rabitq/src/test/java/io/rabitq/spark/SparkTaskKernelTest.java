package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Kernels;
import io.rabitq.core.Neighbor;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build's JVM flags reach Spark tasks: inside a real local[2] session each task selects the same scan
 * kernel as the driver and an index built there answers exactly as the driver's.
 */
class SparkTaskKernelTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.session();
    }

    /** Kernel name and a fingerprint of the ids and distances an index built from seeded data returns. */
    static String fingerprint() {
        Dataset d = ClusteredGaussian.generate(4000, 20, 64, 17);
        IvfRabitqIndex idx = new IvfRabitqIndex(64);
        for (int i = 0; i < d.size(); i++) {
            idx.add(i, d.baseRow(i));
        }
        boolean vectorApi = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        StringBuilder sb = new StringBuilder("vectorApi=" + vectorApi + " kernel=" + Kernels.scan().name());
        for (Neighbor[] res : idx.searchBatch(d.queryRows(), 5)) {
            sb.append('|').append(Arrays.toString(res));
        }
        return sb.toString();
    }

    @Test
    void tasksRunTheSameKernelAndGetTheSameAnswers() {
        String driver = fingerprint();
        List<String> tasks = spark.range(0, 2, 1, 2).mapPartitions(
                (MapPartitionsFunction<Long, String>) rows -> Collections.singletonList(fingerprint()).iterator(),
                Encoders.STRING()).collectAsList();
        assertEquals(2, tasks.size());
        for (String t : tasks) {
            assertEquals(driver, t);
        }
        assertEquals("vectorApi=true", driver.substring(0, driver.indexOf(' ')),
                "tasks must run with --add-modules=jdk.incubator.vector");
    }
}
