package io.rabitq.spark;

import java.util.Arrays;
import org.apache.spark.Partitioner;

/**
 * Sends whole clusters to partitions by contiguous cluster ranges: partition p holds clusters
 * {@code [first[p], first[p + 1])}. Every cluster lives in exactly one partition, so a probe touches one file.
 */
final class ClusterRangePartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int[] first;

    private ClusterRangePartitioner(int[] first) {
        this.first = first;
    }

    /** Splits clusters into {@code partitions} contiguous ranges of about equal row counts. */
    static ClusterRangePartitioner balanced(long[] rowsPerCluster, int partitions) {
        long total = Arrays.stream(rowsPerCluster).sum();
        int[] first = new int[partitions];
        int c = 0;
        long done = 0;
        for (int p = 0; p < partitions; p++) {
            first[p] = c;
            long target = (long) Math.ceil((double) (total - done) / (partitions - p));
            long taken = 0;
            while (c < rowsPerCluster.length && (taken < target || p == partitions - 1)) {
                taken += rowsPerCluster[c++];
            }
            done += taken;
        }
        return new ClusterRangePartitioner(first);
    }

    @Override
    public int numPartitions() {
        return first.length;
    }

    @Override
    public int getPartition(Object key) {
        int cluster = ((ClusterKey) key).cluster();
        int i = Arrays.binarySearch(first, cluster);
        if (i < 0) {
            i = -i - 2;
        }
        while (i + 1 < first.length && first[i + 1] == cluster) { // empty ranges share a start; take the last
            i++;
        }
        return i;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterRangePartitioner && Arrays.equals(first, ((ClusterRangePartitioner) o).first);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(first);
    }
}
