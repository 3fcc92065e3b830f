package io.rabitq.spark;

import java.io.Serializable;

/** Shuffle key of an indexed row: rows are ordered by cluster, then id, so partition files are deterministic. */
record ClusterKey(int cluster, long id) implements Comparable<ClusterKey>, Serializable {
    @Override
    public int compareTo(ClusterKey o) {
        int c = Integer.compare(cluster, o.cluster);
        return c != 0 ? c : Long.compare(id, o.id);
    }
}
