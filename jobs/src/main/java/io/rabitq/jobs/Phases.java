package io.rabitq.jobs;

import io.rabitq.datasets.Recall;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/** Progress lines, timing and recall shared by the job commands. */
public final class Phases {
    private Phases() {
    }

    /** One summary line on stderr: {@code [  12.3 s] <message>}, timed from {@code t0}. */
    public static void line(String format, long t0, Object... values) {
        Object[] all = new Object[values.length + 1];
        all[0] = seconds(t0);
        System.arraycopy(values, 0, all, 1, values.length);
        System.err.printf("[%6.1f s] " + format + "%n", all);
    }

    public static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Fraction of the exact top-k ids found, over the queries of {@code exact} (rows of RESULT_SCHEMA). */
    public static double recall(List<Row> found, List<Row> exact, int k) {
        Map<Long, long[]> byQuery = new HashMap<>();
        for (Row r : found) {
            byQuery.put(r.getLong(0), ids(r.getList(1)));
        }
        long[] truth = new long[exact.size() * k];
        Arrays.fill(truth, Long.MIN_VALUE); // where the exact answer has fewer than k neighbours
        long[][] got = new long[exact.size()][];
        for (int q = 0; q < exact.size(); q++) {
            long[] want = ids(exact.get(q).getList(1));
            System.arraycopy(want, 0, truth, q * k, Math.min(k, want.length));
            got[q] = byQuery.getOrDefault(exact.get(q).getLong(0), new long[0]);
        }
        return Recall.atK(truth, k, got, k);
    }

    /** The ids of a neighbours column value ({@code array<struct<id, distance>>}), nearest first. */
    public static long[] ids(List<Row> neighbors) {
        return neighbors.stream().mapToLong(n -> n.getLong(0)).toArray();
    }

    /**
     * Collects the previous phases' garbage, warms up (JIT, executor caches) by running {@code action} untimed for
     * at least three seconds and at least once, then runs it {@code runs} times; the median wall time.
     */
    public static double medianSeconds(int runs, Runnable action) {
        System.gc();
        long warmUntil = System.nanoTime() + 3_000_000_000L;
        do {
            action.run();
        } while (System.nanoTime() < warmUntil);
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            action.run();
            t[i] = Phases.seconds(t0);
        }
        java.util.Arrays.sort(t);
        return t[runs / 2];
    }
}
