package io.rabitq.core;

import java.util.Arrays;
import java.util.Locale;

/**
 * Recall@k of an IVF index against exact search, measured on sample queries for a ladder of nprobe values (ascending),
 * so that a search can ask for a recall instead of an nprobe ({@link #nprobeFor}). Indexes measure it at build time
 * and bundles record it in their manifest ({@link #format}), where the witness covers it.
 *
 * @param k       the k of the recall@k measured
 * @param nprobe  the ladder, ascending
 * @param recall  the measured recall at each rung, in [0, 1]
 */
public record RecallCurve(int k, int[] nprobe, double[] recall) {
    /**
     * How much of the miss rate asked for the curve may show: a target t is read off the curve as 1 - 0.4 (1 - t), e.g.
     * 0.95 as 0.98 and 0.9 as 0.96. The curve is measured with indexed rows as queries, which find their neighbours
     * more easily than new queries: on MNIST-784 (four seeds) new queries missed 1.5 to 2 times as many neighbours as
     * the curve at the same nprobe, so new queries reach the requested recall, at most one rung above the smallest
     * nprobe that reaches it.
     */
    public static final double MISS_FACTOR = 0.4;
    /**
     * How far below the best recall on the curve a rung may stay and still count as reaching the ceiling (codes
     * without raw vectors top out below 1, e.g. at 0.975 on 1M x 128 with 7-bit codes).
     */
    static final double CEILING_SLACK = 0.002;

    public RecallCurve {
        if (nprobe.length != recall.length) {
            throw new InvalidParameterException("a recall curve needs one recall per nprobe");
        }
    }

    /**
     * The smallest nprobe on the curve whose measured recall reaches 1 - {@value #MISS_FACTOR} (1 - {@code target}),
     * or comes within {@value #CEILING_SLACK} of the best recall on the curve when that is lower; {@code nlist} (probe
     * everything) for an empty curve.
     *
     * @param target a recall in (0, 1]
     * @throws InvalidParameterException if {@code target} is above every recall measured: the ladder runs up to nlist
     *                                   (or to recall 0.999), so the index cannot reach it — codes without raw vectors
     *                                   top out below 1
     */
    public int nprobeFor(double target, int nlist) {
        checkTarget(target);
        double best = Arrays.stream(recall).max().orElse(1.0);
        if (target > best) {
            throw new InvalidParameterException(String.format(java.util.Locale.ROOT, "recall %.3f is more than this index "
                    + "reaches at any nprobe (at most %.4f measured at build): ask for %.3f or less, or index with more bits "
                    + "or with raw vectors", target, best, Math.floor(best * 1000) / 1000));
        }
        // near the index's ceiling more probes gain nothing: there the curve's best, less a hair, is enough
        return smallestReaching(Math.max(target, Math.min(1 - MISS_FACTOR * (1 - target), best - CEILING_SLACK)), nlist);
    }

    /** The smallest nprobe on the curve whose measured recall reaches {@code recall}, or {@code nlist} if none does. */
    int smallestReaching(double recall, int nlist) {
        for (int i = 0; i < nprobe.length; i++) {
            if (this.recall[i] >= recall) {
                return Math.min(nprobe[i], nlist);
            }
        }
        return nlist;
    }

    /** Fails unless {@code target} is a recall in (0, 1]. */
    public static void checkTarget(double target) {
        if (!(target > 0 && target <= 1)) {
            throw new InvalidParameterException("a recall target must be in (0, 1] but was " + target + "; e.g. 0.95");
        }
    }

    /** {@code k=10;1:0.4120,2:0.6230,...} — what {@link #parse} reads back. */
    public String format() {
        StringBuilder b = new StringBuilder("k=").append(k).append(';');
        for (int i = 0; i < nprobe.length; i++) {
            b.append(i == 0 ? "" : ",").append(nprobe[i]).append(':').append(String.format(Locale.ROOT, "%.4f", recall[i]));
        }
        return b.toString();
    }

    /** Reads {@link #format}'s text back. */
    public static RecallCurve parse(String text) {
        try {
            String[] kAndRungs = text.split(";", -1);
            if (kAndRungs.length != 2 || !kAndRungs[0].startsWith("k=")) {
                throw new NumberFormatException("expected k=K;P:R,...");
            }
            String[] rungs = kAndRungs[1].isEmpty() ? new String[0] : kAndRungs[1].split(",");
            int[] p = new int[rungs.length];
            double[] r = new double[rungs.length];
            for (int i = 0; i < rungs.length; i++) {
                String[] pr = rungs[i].split(":");
                p[i] = Integer.parseInt(pr[0]);
                r[i] = Double.parseDouble(pr[1]);
            }
            return new RecallCurve(Integer.parseInt(kAndRungs[0].substring(2)), p, r);
        } catch (RuntimeException e) {
            throw new InvalidParameterException("unreadable recall curve '" + text + "': " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecallCurve c && c.k == k && Arrays.equals(c.nprobe, nprobe) && Arrays.equals(c.recall, recall);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(nprobe) + Arrays.hashCode(recall) + k;
    }

    @Override
    public String toString() {
        return format();
    }
}
