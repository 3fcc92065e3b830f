package io.rabitq.jobs;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        Map<Long, Set<Long>> truth = new HashMap<>();
        for (Row r : exact) {
            Set<Long> ids = new HashSet<>();
            List<Row> nn = r.getList(1);
            for (int i = 0; i < Math.min(k, nn.size()); i++) {
                ids.add(nn.get(i).getLong(0));
            }
            truth.put(r.getLong(0), ids);
        }
        long hits = 0;
        for (Row r : found) {
            Set<Long> want = truth.getOrDefault(r.getLong(0), Set.of());
            List<Row> nn = r.getList(1);
            for (int i = 0; i < Math.min(k, nn.size()); i++) {
                hits += want.contains(nn.get(i).getLong(0)) ? 1 : 0;
            }
        }
        return (double) hits / ((long) truth.size() * k);
    }

    /** A string escaped for a JSON string literal. */
    public static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
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
