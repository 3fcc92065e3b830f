package io.rabitq.bundle;

import java.util.List;
import java.util.Map;

/**
 * The description of one bundle generation ({@code manifest.json}). Everything except {@link #tags()} and
 * {@link #witness()} is load-bearing and covered by the witness. The bundle layer never interprets the
 * quantizer math: {@link #params()} carries the quantizer's own settings as strings and the factor columns
 * are named, not explained.
 *
 * @param formatVersion  1 for 1-bit codes, 2 when {@code bits > 1}, 3 when a partition has deleted rows (so readers
 *                       older than a feature refuse it with an "upgrade" message); versions newer than
 *                       {@value #FORMAT_VERSION} are refused
 * @param dim            vector dimension
 * @param paddedDim      code length in bits per plane (a multiple of 64); codes are {@code bits * paddedDim / 8} bytes
 * @param metric         {@code l2}, {@code ip} or {@code cosine}
 * @param bits           code bits per padded dimension, 1 to 9: the sign plane, then {@code bits - 1} extra planes
 * @param rotationKind   rotation family, e.g. {@code fht_kac}
 * @param rotationSeed   rotation seed
 * @param nlist          number of clusters (rows of the centroids file)
 * @param params         further load-bearing quantizer and search defaults (e.g. nprobe), sorted by key
 * @param factorColumns  names of the float32 factor columns, in order
 * @param hasRaw         whether partitions carry the raw vectors
 * @param sourceRef      what the bundle was built from (table path or URI)
 * @param sourceVersion  the source's version or generation at build time
 * @param centroids      the centroids file
 * @param partitions     the partition files, in order
 * @param tags           opaque tags (lineage id, PII policy, memory class): stored, never interpreted, not in the witness
 * @param witness        SHA-256 over the load-bearing fields, see {@link Witness}
 */
public record Manifest(int formatVersion, int dim, int paddedDim, String metric, int bits, String rotationKind,
                       long rotationSeed, int nlist, Map<String, String> params, List<String> factorColumns,
                       boolean hasRaw, String sourceRef, String sourceVersion, FileEntry centroids,
                       List<PartitionEntry> partitions, Map<String, String> tags, String witness) {

    /** The newest format version this reader understands. */
    public static final int FORMAT_VERSION = 3;

    /**
     * The format version a writer records for codes of {@code bits} bits per dimension, and partitions with or without
     * deletion files: the oldest version whose readers understand every feature used.
     */
    public static int formatVersionFor(int bits, boolean hasDeletes) {
        return hasDeletes ? 3 : bits == 1 ? 1 : 2;
    }

    /** Whether any partition carries a deletion file. */
    public boolean hasDeletes() {
        return partitions.stream().anyMatch(p -> p.deletes() != null);
    }

    public Manifest {
        params = Map.copyOf(params);
        factorColumns = List.copyOf(factorColumns);
        partitions = List.copyOf(partitions);
        tags = Map.copyOf(tags);
    }

    /** Bytes per code: {@code bits} planes of {@code paddedDim / 8} bytes. */
    public int codeBytes() {
        return bits * paddedDim / 8;
    }

    /** Live rows over all partitions: stored rows minus deleted ones. */
    public long rows() {
        return partitions.stream().mapToLong(PartitionEntry::liveRows).sum();
    }

    /** This manifest with its witness recomputed. */
    public Manifest withWitness() {
        Manifest m = new Manifest(formatVersion, dim, paddedDim, metric, bits, rotationKind, rotationSeed, nlist, params,
                factorColumns, hasRaw, sourceRef, sourceVersion, centroids, partitions, tags, "");
        return new Manifest(formatVersion, dim, paddedDim, metric, bits, rotationKind, rotationSeed, nlist, params,
                factorColumns, hasRaw, sourceRef, sourceVersion, centroids, partitions, tags, Witness.of(m));
    }

    /** A data file and its content hash. */
    public record FileEntry(String file, long bytes, String sha256) {
    }

    /**
     * A partition file: its rows are sorted by cluster, and {@code clusters} lists, per cluster present, the
     * first row and the row count, so a probe reads only its clusters. {@code rows} counts the rows stored in the
     * file; {@code deletes}, when not null, names the ids among them that are deleted (never returned by a reader).
     */
    public record PartitionEntry(String file, long rows, long bytes, String sha256, List<ClusterRange> clusters, Deletes deletes)
            implements java.io.Serializable {
        public PartitionEntry {
            clusters = List.copyOf(clusters);
        }

        /** A partition without deleted rows. */
        public PartitionEntry(String file, long rows, long bytes, String sha256, List<ClusterRange> clusters) {
            this(file, rows, bytes, sha256, clusters, null);
        }

        /** This partition stored under another file name (e.g. linked into a new generation). */
        public PartitionEntry withFile(String name) {
            return new PartitionEntry(name, rows, bytes, sha256, clusters, deletes);
        }

        /** This partition with another deletion set (null: none). */
        public PartitionEntry withDeletes(Deletes d) {
            return new PartitionEntry(file, rows, bytes, sha256, clusters, d);
        }

        /** Rows a reader returns: stored rows whose id is not deleted. */
        public long liveRows() {
            return rows - (deletes == null ? 0 : deletes.rows());
        }
    }

    /**
     * The deletion set of a partition: an Arrow file of ids ({@code id int64}, strictly ascending) whose rows in the
     * partition are deleted; {@code rows} is how many of the partition's rows they remove.
     */
    public record Deletes(String file, long ids, long rows, long bytes, String sha256) implements java.io.Serializable {
    }

    /** Rows {@code [firstRow, firstRow + rows)} of a partition belong to {@code cluster}. */
    public record ClusterRange(int cluster, long firstRow, long rows) implements java.io.Serializable {
    }
}
