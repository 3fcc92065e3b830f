package io.rabitq.core;

import java.util.stream.IntStream;

/**
 * IVF centroids laid out for blocked distance computation: columns of 16 centroids, stored
 * dimension-major ({@code table[(block * dim + d) * LANES + lane]}), so a kernel computes 16 dot products with
 * one broadcast and one fused multiply-add per dimension and reuses each loaded column for several rows.
 *
 * <p>Distances are ranked as {@code ||c||² - 2<x, c>} (squared L2 without the row's constant {@code ||x||²}) or
 * {@code -<x, c>} (inner product). Every kernel computes the dot products bit for bit alike, so assignment and probe
 * choice do not depend on the kernel or the thread count.
 */
final class CentroidTable {
    /** Centroids per column block. */
    private static final int LANES = 16;
    /** Rows per chunk of {@link #assign}. */
    private static final int CHUNK_ROWS = 64;
    /** Rows the kernel scores per pass over a column block. */
    private static final int GROUP_ROWS = 4;

    private final int k;
    private final int dim;
    private final int blocks;
    private final float[] table;
    private final float[] norms;
    /** Column blocks per tile of {@link #assign}: about 128 KB of table, so a tile stays in L2 across a chunk. */
    private final int tileBlocks;

    /** Lays out {@code k} centroids of {@code centroids} ({@code k * dim} floats, row-major). */
    public CentroidTable(float[] centroids, int k, int dim) {
        this.k = k;
        this.dim = dim;
        this.blocks = (k + LANES - 1) / LANES;
        this.table = new float[blocks * dim * LANES];
        this.norms = new float[blocks * LANES];
        java.util.Arrays.fill(norms, k, norms.length, Float.POSITIVE_INFINITY);
        for (int c = 0; c < k; c++) {
            int block = c / LANES;
            int lane = c % LANES;
            float norm = 0f;
            for (int d = 0; d < dim; d++) {
                float v = centroids[c * dim + d];
                table[(block * dim + d) * LANES + lane] = v;
                norm = Math.fma(v, v, norm);
            }
            norms[c] = norm;
        }
        this.tileBlocks = Math.max(1, 32768 / (LANES * dim));
    }

    long memoryBytes() {
        return 4L * (table.length + norms.length);
    }

    /** Index of the centroid nearest to {@code x} by squared L2 (ties go to the lower index). */
    public int nearest(float[] x, ScanKernel kernel) {
        float[] dots = new float[blocks * LANES];
        kernel.blockDots(x, 0, 1, dim, table, 0, blocks, dots, 0);
        return argmin(dots, 0);
    }

    /**
     * Ranking distances of {@code q} to every centroid into {@code out} (length at least the number of centroids):
     * {@code ||c||² - 2<q, c>}, or {@code -<q, c>} when {@code innerProduct}.
     */
    public void distances(float[] q, boolean innerProduct, ScanKernel kernel, float[] out) {
        float[] dots = new float[blocks * LANES];
        kernel.blockDots(q, 0, 1, dim, table, 0, blocks, dots, 0);
        for (int c = 0; c < k; c++) {
            out[c] = innerProduct ? -dots[c] : Math.fma(-2f, dots[c], norms[c]);
        }
    }

    /** Nearest centroid (squared L2, ties to the lower index) of each of the {@code n} rows of {@code data}, in parallel. */
    public void assign(float[] data, int n, ScanKernel kernel, int[] out) {
        int stride = blocks * LANES;
        IntStream.range(0, (n + CHUNK_ROWS - 1) / CHUNK_ROWS).parallel().forEach(chunk -> {
            int first = chunk * CHUNK_ROWS;
            int rows = Math.min(CHUNK_ROWS, n - first);
            float[] dots = new float[rows * stride];
            for (int b0 = 0; b0 < blocks; b0 += tileBlocks) {
                int b1 = Math.min(blocks, b0 + tileBlocks);
                for (int r = 0; r < rows; r += GROUP_ROWS) {
                    kernel.blockDots(data, (first + r) * dim, Math.min(GROUP_ROWS, rows - r), dim, table, b0, b1, dots,
                            r * stride);
                }
            }
            for (int r = 0; r < rows; r++) {
                out[first + r] = argmin(dots, r * stride);
            }
        });
    }

    private int argmin(float[] dots, int off) {
        int best = 0;
        float bestD = Float.POSITIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            float d = Math.fma(-2f, dots[off + c], norms[c]);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }
}
