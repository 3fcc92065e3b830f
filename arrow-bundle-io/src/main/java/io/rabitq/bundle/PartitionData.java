package io.rabitq.bundle;

import io.rabitq.core.RawVectors;
import java.util.List;

/**
 * One partition's rows as plain arrays for the scan kernels.
 *
 * @param ids      row ids
 * @param clusters cluster of each row (non-decreasing)
 * @param codes    {@code rows * codeBytes} code bytes, row-major
 * @param factors  one array per factor column, in manifest order
 * @param raw      the raw vectors, memory-mapped from the partition file, or null when the bundle has none
 * @param ranges   per-cluster row ranges, as in the manifest
 */
public record PartitionData(long[] ids, int[] clusters, byte[] codes, float[][] factors, RawVectors raw,
                            List<Manifest.ClusterRange> ranges) {

    public int rows() {
        return ids.length;
    }
}
