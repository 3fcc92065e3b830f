package io.rabitq.bundle;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The witness of a generation: lowercase hex SHA-256 of the canonical text of its load-bearing fields, which
 * include every data file's SHA-256 — so equal witnesses mean equal bytes. The canonical text is UTF-8 lines
 * {@code key=value\n} in this order:
 * <pre>
 * rabitq-bundle-witness-v1
 * format_version, dim, padded_dim, metric, bits, rotation.kind, rotation.seed, nlist,
 * param.&lt;key&gt; (sorted by key), factor_columns (comma-joined), has_raw, source.ref, source.version,
 * centroids (file:bytes:sha256), then per partition i: partition.i (file:rows:bytes:sha256) and
 * partition.i.clusters (cluster:first:rows joined by ';'), and only for a partition with deleted rows
 * partition.i.deletes (file:ids:rows:bytes:sha256)
 * </pre>
 * Tags are excluded. Test vector (module README): a manifest whose canonical text is given there hashes to the
 * value printed next to it, reproducible with {@code sha256sum}.
 */
public final class Witness {
    private Witness() {
    }

    /** Canonical text of the manifest's load-bearing fields. */
    public static String canonical(Manifest m) {
        StringBuilder sb = new StringBuilder("rabitq-bundle-witness-v1\n");
        line(sb, "format_version", m.formatVersion());
        line(sb, "dim", m.dim());
        line(sb, "padded_dim", m.paddedDim());
        line(sb, "metric", m.metric());
        line(sb, "bits", m.bits());
        line(sb, "rotation.kind", m.rotationKind());
        line(sb, "rotation.seed", m.rotationSeed());
        line(sb, "nlist", m.nlist());
        for (Map.Entry<String, String> e : new TreeMap<>(m.params()).entrySet()) {
            line(sb, "param." + e.getKey(), e.getValue());
        }
        line(sb, "factor_columns", String.join(",", m.factorColumns()));
        line(sb, "has_raw", m.hasRaw());
        line(sb, "source.ref", m.sourceRef());
        line(sb, "source.version", m.sourceVersion());
        Manifest.FileEntry c = m.centroids();
        line(sb, "centroids", c.file() + ":" + c.bytes() + ":" + c.sha256());
        for (int i = 0; i < m.partitions().size(); i++) {
            Manifest.PartitionEntry p = m.partitions().get(i);
            line(sb, "partition." + i, p.file() + ":" + p.rows() + ":" + p.bytes() + ":" + p.sha256());
            StringBuilder cl = new StringBuilder();
            for (Manifest.ClusterRange r : p.clusters()) {
                if (cl.length() > 0) {
                    cl.append(';');
                }
                cl.append(r.cluster()).append(':').append(r.firstRow()).append(':').append(r.rows());
            }
            line(sb, "partition." + i + ".clusters", cl);
            Manifest.Deletes d = p.deletes();
            if (d != null) {
                line(sb, "partition." + i + ".deletes", d.file() + ":" + d.ids() + ":" + d.rows() + ":" + d.bytes() + ":" + d.sha256());
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, Object value) {
        String v = String.valueOf(value);
        if (v.indexOf('\n') >= 0) {
            throw new BundleException("manifest field " + key + " must not contain a line break");
        }
        sb.append(key).append('=').append(v).append('\n');
    }

    /** The witness of a manifest (its own witness field is ignored). */
    public static String of(Manifest m) {
        return sha256Hex(canonical(m).getBytes(StandardCharsets.UTF_8));
    }

    static String sha256Hex(byte[] data) {
        MessageDigest md = sha256();
        return hex(md.digest(data));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
        }
        return sb.toString();
    }
}
