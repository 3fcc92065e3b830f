package io.rabitq.datasets;

/** Recall@k: the fraction of the true k nearest neighbours found among the first k results, averaged over queries. */
public final class Recall {
    private Recall() {
    }

    /**
     * @param truth    exact neighbour ids, {@code truthK} per query, row-major, nearest first
     * @param found    returned ids per query, nearest first (may be shorter than k)
     * @param k        the cut-off; must be &lt;= truthK
     */
    public static double atK(long[] truth, int truthK, long[][] found, int k) {
        if (k > truthK) {
            throw new IllegalArgumentException("recall@" + k + " needs at least " + k + " true neighbours per query, have " + truthK);
        }
        long hits = 0;
        for (int q = 0; q < found.length; q++) {
            java.util.HashSet<Long> want = new java.util.HashSet<>();
            for (int i = 0; i < k; i++) {
                want.add(truth[q * truthK + i]);
            }
            long[] f = found[q];
            for (int i = 0; i < Math.min(k, f.length); i++) {
                if (want.contains(f[i])) {
                    hits++;
                }
            }
        }
        return found.length == 0 ? 0 : (double) hits / ((long) found.length * k);
    }

    /** {@link #atK(long[], int, long[][], int)} for the int ids {@link GroundTruth} computes. */
    public static double atK(int[] truth, int truthK, long[][] found, int k) {
        return atK(java.util.Arrays.stream(truth).asLongStream().toArray(), truthK, found, k);
    }

    /** {@link #atK(long[], int, long[][], int)} for int ids on both sides. */
    public static double atK(int[] truth, int truthK, int[][] found, int k) {
        long[][] wide = new long[found.length][];
        for (int q = 0; q < found.length; q++) {
            wide[q] = java.util.Arrays.stream(found[q]).asLongStream().toArray();
        }
        return atK(truth, truthK, wide, k);
    }
}
