package io.rabitq.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes {@code manifest.json}. Reading is strict: the document is at most {@value #MAX_BYTES} bytes,
 * every field is required and type-checked, unknown fields and unknown (newer) format versions are refused,
 * file names must be plain names, and errors name the field.
 */
public final class ManifestCodec {
    /** Upper bound on the manifest size. */
    public static final int MAX_BYTES = 64 << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> TOP = Set.of("format", "format_version", "dim", "padded_dim", "metric", "bits",
            "rotation", "nlist", "params", "factor_columns", "has_raw", "source", "centroids", "partitions", "tags", "witness");
    private static final Set<String> PARTITION = Set.of("file", "rows", "bytes", "sha256", "clusters", "deletes");

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).maxStringLength(1 << 20).maxNumberLength(40).build());
    }

    private ManifestCodec() {
    }

    public static byte[] write(Manifest m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", "rabitq-bundle");
        o.put("format_version", m.formatVersion());
        o.put("dim", m.dim());
        o.put("padded_dim", m.paddedDim());
        o.put("metric", m.metric());
        o.put("bits", m.bits());
        ObjectNode rot = o.putObject("rotation");
        rot.put("kind", m.rotationKind());
        rot.put("seed", m.rotationSeed());
        o.put("nlist", m.nlist());
        ObjectNode params = o.putObject("params");
        new TreeMap<>(m.params()).forEach(params::put);
        ArrayNode fc = o.putArray("factor_columns");
        m.factorColumns().forEach(fc::add);
        o.put("has_raw", m.hasRaw());
        ObjectNode src = o.putObject("source");
        src.put("ref", m.sourceRef());
        src.put("version", m.sourceVersion());
        ObjectNode c = o.putObject("centroids");
        c.put("file", m.centroids().file());
        c.put("bytes", m.centroids().bytes());
        c.put("sha256", m.centroids().sha256());
        ArrayNode parts = o.putArray("partitions");
        for (Manifest.PartitionEntry p : m.partitions()) {
            ObjectNode pn = parts.addObject();
            pn.put("file", p.file());
            pn.put("rows", p.rows());
            pn.put("bytes", p.bytes());
            pn.put("sha256", p.sha256());
            ArrayNode cl = pn.putArray("clusters");
            for (Manifest.ClusterRange r : p.clusters()) {
                cl.addArray().add(r.cluster()).add(r.firstRow()).add(r.rows());
            }
            if (p.deletes() != null) {
                ObjectNode d = pn.putObject("deletes");
                d.put("file", p.deletes().file());
                d.put("ids", p.deletes().ids());
                d.put("rows", p.deletes().rows());
                d.put("bytes", p.deletes().bytes());
                d.put("sha256", p.deletes().sha256());
            }
        }
        ObjectNode tags = o.putObject("tags");
        new TreeMap<>(m.tags()).forEach(tags::put);
        o.put("witness", m.witness());
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new BundleException("cannot serialize manifest", e);
        }
    }

    /** Parses a manifest; {@code where} names the file in errors. */
    public static Manifest read(Path where, byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw new CorruptBundleException(where, "manifest is " + bytes.length + " bytes, over the " + MAX_BYTES + "-byte limit");
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new CorruptBundleException(where, "manifest is not valid JSON: " + e.getOriginalMessage(), e);
        }
        Reader r = new Reader(where);
        if (root == null || !root.isObject()) {
            throw new CorruptBundleException(where, "manifest must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP.contains(f)) {
                throw new CorruptBundleException(where, "unknown manifest field '" + f + "'");
            }
        }
        if (!"rabitq-bundle".equals(r.text(root, "format"))) {
            throw new CorruptBundleException(where, "field 'format' must be \"rabitq-bundle\"");
        }
        int version = r.integer(root, "format_version", 1, Integer.MAX_VALUE);
        if (version > Manifest.FORMAT_VERSION) {
            throw new BundleException(where + ": bundle format version " + version + " is newer than this reader supports ("
                    + Manifest.FORMAT_VERSION + "); upgrade spark-rabitq to read it");
        }
        int dim = r.integer(root, "dim", 1, 65536);
        int paddedDim = r.integer(root, "padded_dim", dim, 1 << 20);
        if (paddedDim % 64 != 0) {
            throw new CorruptBundleException(where, "field 'padded_dim' must be a multiple of 64 but is " + paddedDim);
        }
        JsonNode rot = r.object(root, "rotation");
        JsonNode src = r.object(root, "source");
        JsonNode cen = r.object(root, "centroids");
        Manifest.FileEntry centroids = new Manifest.FileEntry(SafeNames.file(where, "centroids.file", r.text(cen, "file")),
                r.longValue(cen, "bytes"), r.hash(cen, "sha256"));
        List<Manifest.PartitionEntry> partitions = new ArrayList<>();
        JsonNode parts = r.array(root, "partitions");
        for (int i = 0; i < parts.size(); i++) {
            JsonNode p = parts.get(i);
            String field = "partitions[" + i + "]";
            if (!p.isObject()) {
                throw new CorruptBundleException(where, "field '" + field + "' must be an object");
            }
            for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!PARTITION.contains(f)) {
                    throw new CorruptBundleException(where, "unknown field '" + field + "." + f + "'");
                }
            }
            Manifest.Deletes deletes = null;
            if (p.has("deletes")) {
                JsonNode d = r.object(p, "deletes");
                deletes = new Manifest.Deletes(SafeNames.file(where, field + ".deletes.file", r.text(d, "file")),
                        r.longValue(d, "ids"), r.longValue(d, "rows"), r.longValue(d, "bytes"), r.hash(d, "sha256"));
                if (deletes.ids() < 1 || deletes.rows() < deletes.ids()) {
                    throw new CorruptBundleException(where, "field '" + field + ".deletes' must delete at least one id and at least "
                            + "as many rows as ids");
                }
            }
            List<Manifest.ClusterRange> clusters = new ArrayList<>();
            for (JsonNode c : r.array(p, "clusters")) {
                if (!c.isArray() || c.size() != 3 || !c.get(0).canConvertToInt() || !c.get(1).canConvertToLong() || !c.get(2).canConvertToLong()) {
                    throw new CorruptBundleException(where, "field '" + field + ".clusters' must hold [cluster, first_row, rows] triples");
                }
                clusters.add(new Manifest.ClusterRange(c.get(0).intValue(), c.get(1).longValue(), c.get(2).longValue()));
            }
            partitions.add(new Manifest.PartitionEntry(SafeNames.file(where, field + ".file", r.text(p, "file")),
                    r.longValue(p, "rows"), r.longValue(p, "bytes"), r.hash(p, "sha256"), clusters, deletes));
            if (deletes != null && deletes.rows() > partitions.get(i).rows()) {
                throw new CorruptBundleException(where, "field '" + field + ".deletes' deletes more rows than the partition has");
            }
        }
        List<String> factorColumns = new ArrayList<>();
        for (JsonNode f : r.array(root, "factor_columns")) {
            if (!f.isTextual()) {
                throw new CorruptBundleException(where, "field 'factor_columns' must hold strings");
            }
            factorColumns.add(f.textValue());
        }
        int bits = r.integer(root, "bits", 1, 9);
        boolean hasDeletes = partitions.stream().anyMatch(p -> p.deletes() != null);
        if (version != Manifest.formatVersionFor(bits, hasDeletes)) {
            throw new CorruptBundleException(where, "format_version " + version + " does not match bits " + bits
                    + (hasDeletes ? " with deletion files" : " without deletion files")
                    + " (1-bit codes are version 1, more bits version 2, any deletion file version 3)");
        }
        return new Manifest(version, dim, paddedDim, r.text(root, "metric"), bits,
                r.text(rot, "kind"), r.longValue(rot, "seed"), r.integer(root, "nlist", 1, Integer.MAX_VALUE),
                r.stringMap(root, "params"), factorColumns, r.bool(root, "has_raw"), r.text(src, "ref"), r.text(src, "version"),
                centroids, partitions, r.stringMap(root, "tags"), r.hash(root, "witness"));
    }

    /** Typed field access with errors that name the field. */
    private static final class Reader {
        final Path where;

        Reader(Path where) {
            this.where = where;
        }

        JsonNode field(JsonNode o, String name) {
            JsonNode n = o.get(name);
            if (n == null || n.isNull()) {
                throw new CorruptBundleException(where, "manifest field '" + name + "' is missing");
            }
            return n;
        }

        String text(JsonNode o, String name) {
            JsonNode n = field(o, name);
            if (!n.isTextual()) {
                throw new CorruptBundleException(where, "manifest field '" + name + "' must be a string");
            }
            return n.textValue();
        }

        long longValue(JsonNode o, String name) {
            JsonNode n = field(o, name);
            if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                throw new CorruptBundleException(where, "manifest field '" + name + "' must be an integer");
            }
            return n.longValue();
        }

        int integer(JsonNode o, String name, int min, int max) {
            long v = longValue(o, name);
            if (v < min || v > max) {
                throw new CorruptBundleException(where, "manifest field '" + name + "' = " + v + " is outside [" + min + ", " + max + "]");
            }
            return (int) v;
        }

        boolean bool(JsonNode o, String name) {
            JsonNode n = field(o, name);
            if (!n.isBoolean()) {
                throw new CorruptBundleException(where, "manifest field '" + name + "' must be true or false");
            }
            return n.booleanValue();
        }

        String hash(JsonNode o, String name) {
            String h = text(o, name);
            if (!h.matches("[0-9a-f]{64}")) {
                throw new CorruptBundleException(where, "manifest field '" + name + "' must be 64 lowercase hex digits");
            }
            return h;
        }

        JsonNode object(JsonNode o, String name) {
            JsonNode n = field(o, name);
            if (!n.isObject()) {
                throw new CorruptBundleException(where, "manifest field '" + name + "' must be an object");
            }
            return n;
        }

        JsonNode array(JsonNode o, String name) {
            JsonNode n = field(o, name);
            if (!n.isArray()) {
                throw new CorruptBundleException(where, "manifest field '" + name + "' must be an array");
            }
            return n;
        }

        Map<String, String> stringMap(JsonNode o, String name) {
            Map<String, String> out = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = object(o, name).fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new CorruptBundleException(where, "manifest field '" + name + "." + e.getKey() + "' must be a string");
                }
                out.put(e.getKey(), e.getValue().textValue());
            }
            return out;
        }
    }
}
