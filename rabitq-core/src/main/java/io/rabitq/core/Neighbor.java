package io.rabitq.core;

/**
 * One search hit: the caller's id and its distance under the index {@link Metric} (smaller is closer).
 * Depending on the index the distance is exact or a RaBitQ estimate; each index documents which.
 */
public record Neighbor(long id, float distance) implements java.io.Serializable {
}
