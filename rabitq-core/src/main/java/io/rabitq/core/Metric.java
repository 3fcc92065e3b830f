package io.rabitq.core;

/**
 * Distance used to rank neighbours; smaller is always closer.
 *
 * <ul>
 *   <li>{@link #L2}: squared Euclidean distance {@code ||q - x||^2}.</li>
 *   <li>{@link #INNER_PRODUCT}: negated inner product {@code -<q, x>} (maximum inner product search).</li>
 *   <li>{@link #COSINE}: cosine distance {@code 1 - cos(q, x)}; vectors and queries are normalized on entry,
 *       so zero vectors are rejected.</li>
 * </ul>
 */
public enum Metric {
    L2, INNER_PRODUCT, COSINE;

    /** The short name {@link #parse} reads back: {@code l2}, {@code ip} or {@code cosine}. */
    public String shortName() {
        return this == INNER_PRODUCT ? "ip" : name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses a metric name such as {@code l2}, {@code ip}, {@code inner_product} or {@code cosine}. */
    public static Metric parse(String name) {
        switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "l2": case "euclidean": return L2;
            case "ip": case "inner_product": case "dot": return INNER_PRODUCT;
            case "cosine": case "cos": return COSINE;
            default: throw new InvalidParameterException("unknown metric '" + name + "'; use one of l2, ip, cosine");
        }
    }
}
