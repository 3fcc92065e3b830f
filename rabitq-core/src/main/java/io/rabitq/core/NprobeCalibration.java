package io.rabitq.core;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Measures, while a build still has its rows, how many clusters a query must probe: sample rows serve as queries,
 * their exact {@value #K} nearest other rows are found by brute force, and a ladder of nprobe values is searched until
 * recall@{@value #K} reaches {@value #TOP_RECALL} — the {@link RecallCurve} searches read a requested recall from. Real embeddings need far more probes than clustered synthetic data (on
 * 384-d sentence embeddings about 5% of the clusters against 0.6%), so no fixed formula serves both.
 */
final class NprobeCalibration {
    /**
     * Recall@10 a default IVF index must reach on its own sample: 0.95 plus a margin of about two standard errors of a
     * 2,000-neighbour estimate, so that new queries get 0.95.
     */
    static final double TARGET_RECALL = 0.96;
    /** The curve stops at the first rung that reaches this recall. */
    private static final double TOP_RECALL = 0.999;
    static final int K = 10;
    /** Sample rows searched as queries. */
    private static final int SAMPLES = 200;
    /** Most rows a sample-only calibration ({@link Codebook#calibrate}) encodes. */
    static final int MAX_SAMPLE_ROWS = 50_000;
    private static final int[] LADDER = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024};

    private NprobeCalibration() {
    }

    /**
     * Recall@10 on up to {@value #SAMPLES} seeded sample rows (a row's own id does not count) for each rung of the
     * ladder below {@code nlist} whose probes give every sample 10 other rows, up to the first that reaches
     * {@value #TOP_RECALL}; empty when the index is too small to
     * measure (then {@link RecallCurve#nprobeFor} answers {@code nlist}).
     *
     * @param rows {@code n} prepared rows (row-major), the ones the engine was built from, with their {@code ids}
     */
    static RecallCurve curve(IvfEngine engine, long[] ids, float[] rows, long seed) {
        int n = ids.length;
        int dim = engine.dim;
        if (n <= K + 1 || engine.nlist == 1) {
            return new RecallCurve(K, new int[0], new double[0]);
        }
        int[] picked = queryRows(n, seed);
        int m = picked.length;
        float[][] queries = new float[m][];
        for (int j = 0; j < m; j++) {
            queries[j] = Arrays.copyOfRange(rows, picked[j] * dim, (picked[j] + 1) * dim);
        }
        long[][] truth = new long[m][];
        IntStream.range(0, m).parallel().forEach(j -> truth[j] = exactOthers(engine, ids, rows, queries[j], ids[picked[j]]));
        PreparedQueries prepared = engine.prepare(queries, 0);
        java.util.List<Integer> steps = new java.util.ArrayList<>();
        java.util.List<Double> recalls = new java.util.ArrayList<>();
        for (int p : LADDER) {
            if (p >= engine.nlist) {
                break;
            }
            Neighbor[][] found = engine.search(prepared, K + 1, p, RankMode.BOUND_RERANK, 1);
            long hits = 0;
            boolean full = true;
            for (int j = 0; j < m; j++) {
                full &= found[j].length == K + 1; // the probed clusters hold enough rows for every sample
                long self = ids[picked[j]];
                long[] t = truth[j];
                int taken = 0;
                for (Neighbor nb : found[j]) {
                    if (nb.id() == self || taken == K) {
                        continue;
                    }
                    taken++;
                    for (long id : t) {
                        if (id == nb.id()) {
                            hits++;
                            break;
                        }
                    }
                }
            }
            if (!full) {
                continue; // a rung that leaves a sample short of k rows is never chosen, so it is not recorded
            }
            double recall = (double) hits / ((long) m * K);
            steps.add(p);
            recalls.add(recall);
            if (recall >= TOP_RECALL) {
                break;
            }
        }
        return new RecallCurve(K, steps.stream().mapToInt(Integer::intValue).toArray(), recalls.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The default nprobe: the smallest whose sample recall reaches {@value #TARGET_RECALL} (else {@code nlist}). */
    static int defaultNprobe(RecallCurve curve, int nlist) {
        return curve.smallestReaching(TARGET_RECALL, nlist);
    }

    /** The rows of {@code n} that serve as calibration queries: up to {@value #SAMPLES}, one in each of equal strides. */
    private static int[] queryRows(int n, long seed) {
        return stratified(n, Math.min(SAMPLES, n), SeededRandom.forPurpose(seed, 9));
    }

    /** {@code m} distinct rows of {@code n}: one at a random place in each of m equal strides. */
    private static int[] stratified(int n, int m, SeededRandom rnd) {
        int[] out = new int[m];
        long step = n / m;
        for (int j = 0; j < m; j++) {
            out[j] = (int) (j * step + rnd.nextInt((int) step));
        }
        return out;
    }

    /** Ids of the K rows nearest to {@code q} other than {@code self}, by exact distance. */
    private static long[] exactOthers(IvfEngine engine, long[] ids, float[] rows, float[] q, long self) {
        int dim = engine.dim;
        boolean ip = engine.metric == Metric.INNER_PRODUCT;
        TopK top = new TopK(K);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == self) {
                continue;
            }
            float d = ip ? -engine.kernel.dot(q, rows, i * dim) : engine.kernel.squaredL2(q, rows, i * dim);
            if (d < top.threshold()) {
                top.offer(d, ids[i]);
            }
        }
        float[] ignored = new float[K];
        return top.drainKeys(ignored);
    }
}
