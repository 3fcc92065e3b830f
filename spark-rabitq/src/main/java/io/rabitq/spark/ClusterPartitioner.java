package io.rabitq.spark;

import java.util.Arrays;
import org.apache.spark.Partitioner;

/**
 * Sends whole clusters to partitions: cluster {@code c} goes to partition {@code slot[c]}, so every cluster a
 * task writes lives in that task's file alone.
 */
final class ClusterPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int[] slot;
    private final int partitions;

    ClusterPartitioner(int[] slotOfCluster, int partitions) {
        this.slot = slotOfCluster;
        this.partitions = partitions;
    }

    /** Splits clusters into {@code partitions} contiguous ranges of about equal row counts. */
    static ClusterPartitioner balanced(long[] rowsPerCluster, int partitions) {
        long total = Arrays.stream(rowsPerCluster).sum();
        int[] slot = new int[rowsPerCluster.length];
        int c = 0;
        long done = 0;
        for (int p = 0; p < partitions; p++) {
            long target = (long) Math.ceil((double) (total - done) / (partitions - p));
            long taken = 0;
            while (c < rowsPerCluster.length && (taken < target || p == partitions - 1)) {
                slot[c] = p;
                taken += rowsPerCluster[c++];
            }
            done += taken;
        }
        return new ClusterPartitioner(slot, partitions);
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        return slot[((ClusterKey) key).cluster()];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterPartitioner other && partitions == other.partitions && Arrays.equals(slot, other.slot);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(slot) * 31 + partitions;
    }
}
