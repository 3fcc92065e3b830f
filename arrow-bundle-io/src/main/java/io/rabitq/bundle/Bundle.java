package io.rabitq.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A verified, open generation of a bundle. {@link #open} resolves {@code CURRENT}, parses the manifest, checks
 * the witness against the manifest's fields, and checks every data file:
 * <ul>
 *   <li>{@link Verification#FULL}: size and SHA-256 of every byte (use when loading into memory);</li>
 *   <li>{@link Verification#QUICK}: size and the Arrow magic at both ends of every file (for hot paths that
 *       re-open a bundle already verified, or that map files and read only part of them).</li>
 * </ul>
 * Reading a partition also checks its schema, row count and cluster ranges against the manifest. Any mismatch
 * is a {@link CorruptBundleException} naming the file; nothing is returned from a bad bundle. While open, the
 * generation is protected from {@link Bundles#retain}. Close it to release that.
 */
public final class Bundle implements AutoCloseable {
    private static final byte[] ARROW_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

    /** How much of the data {@link #open} checks. */
    public enum Verification { FULL, QUICK }

    private final Path bundleDir;
    private final Path genDir;
    private final String generation;
    private final Manifest manifest;
    private boolean closed;

    private Bundle(Path bundleDir, String generation, Manifest manifest) {
        this.bundleDir = bundleDir;
        this.genDir = bundleDir.resolve(generation);
        this.generation = generation;
        this.manifest = manifest;
    }

    /** Opens the live generation with full verification. */
    public static Bundle open(Path bundleDir) {
        return open(bundleDir, Verification.FULL);
    }

    public static Bundle open(Path bundleDir, Verification verification) {
        if (!Files.isDirectory(bundleDir)) {
            throw new BundleException(bundleDir + " is not a bundle directory (it does not exist); check the path");
        }
        for (int attempt = 0; ; attempt++) {
            String generation = Bundles.currentGeneration(bundleDir).orElseThrow(() -> new CorruptBundleException(
                    bundleDir.resolve(Bundles.CURRENT), "is missing, so the bundle has no published generation"));
            try {
                return open(bundleDir, generation, verification);
            } catch (GenerationGoneException | CorruptBundleException e) {
                // retention may remove a generation between reading CURRENT and taking the hold; retry with the
                // newer live one, but never hide damage to the generation that is still live
                boolean moved = !Bundles.currentGeneration(bundleDir).orElse(generation).equals(generation);
                if (moved && attempt < 3) {
                    continue;
                }
                if (e instanceof GenerationGoneException) {
                    throw new CorruptBundleException(bundleDir.resolve(Bundles.CURRENT), "names generation " + generation
                            + ", which does not exist; republish the bundle");
                }
                throw e;
            }
        }
    }

    /**
     * Opens a given generation (e.g. one a cache still holds).
     *
     * @throws GenerationGoneException when the generation no longer exists (retention removed it)
     */
    public static Bundle open(Path bundleDir, String generation, Verification verification) {
        Path genDir = bundleDir.resolve(SafeNames.generation(bundleDir, generation));
        Path manifestPath = genDir.resolve(Bundles.MANIFEST);
        boolean held = false;
        if (!Files.isDirectory(genDir)) {
            throw new GenerationGoneException(bundleDir, generation);
        }
        try {
            ReaderLocks.acquire(genDir);
            held = true;
            byte[] bytes;
            if (Files.size(manifestPath) > ManifestCodec.MAX_BYTES) {
                throw new CorruptBundleException(manifestPath, "manifest is larger than " + ManifestCodec.MAX_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(manifestPath);
            Manifest m = ManifestCodec.read(manifestPath, bytes);
            String expected = Witness.of(m);
            if (!expected.equals(m.witness())) {
                throw new CorruptBundleException(manifestPath, "witness " + m.witness() + " does not match the manifest's fields ("
                        + expected + ")");
            }
            checkFile(genDir, m.centroids().file(), m.centroids().bytes(), m.centroids().sha256(), verification);
            for (Manifest.PartitionEntry p : m.partitions()) {
                checkFile(genDir, p.file(), p.bytes(), p.sha256(), verification);
                checkRanges(genDir.resolve(p.file()), p, m.nlist());
                if (p.deletes() != null) {
                    checkFile(genDir, p.deletes().file(), p.deletes().bytes(), p.deletes().sha256(), verification);
                }
            }
            return new Bundle(bundleDir, generation, m);
        } catch (NoSuchFileException e) {
            release(genDir, held);
            if (!Files.isDirectory(genDir)) { // removed by retention while we were opening it
                throw new GenerationGoneException(bundleDir, generation);
            }
            throw new CorruptBundleException(Path.of(e.getFile()), "is missing", e);
        } catch (IOException e) {
            release(genDir, held);
            throw new UncheckedIOException("cannot read bundle " + genDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            release(genDir, held);
            throw e;
        }
    }

    private static void release(Path genDir, boolean held) {
        try {
            if (held) {
                ReaderLocks.release(genDir);
            }
        } catch (IOException ignored) {
            // releasing a read-only lock cannot lose data
        }
    }

    private static void checkFile(Path genDir, String name, long bytes, String sha256, Verification v) throws IOException {
        Path file = genDir.resolve(name);
        long size = Files.size(file);
        if (size != bytes) {
            throw new CorruptBundleException(file, "has " + size + " bytes but the manifest records " + bytes + " (truncated or replaced)");
        }
        if (v == Verification.FULL) {
            MessageDigest md = Witness.sha256();
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            String actual = Witness.hex(md.digest());
            if (!actual.equals(sha256)) {
                throw new CorruptBundleException(file, "content hash " + actual + " does not match the manifest's " + sha256);
            }
        } else {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                if (size < 2 * ARROW_MAGIC.length || !magicAt(ch, 0) || !magicAt(ch, size - ARROW_MAGIC.length)) {
                    throw new CorruptBundleException(file, "is not a complete Arrow IPC file (magic bytes missing)");
                }
            }
        }
    }

    private static boolean magicAt(FileChannel ch, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(ARROW_MAGIC.length);
        ch.read(b, pos);
        return java.util.Arrays.equals(b.array(), ARROW_MAGIC);
    }

    private static void checkRanges(Path file, Manifest.PartitionEntry p, int nlist) {
        long next = 0;
        int lastCluster = -1;
        for (Manifest.ClusterRange r : p.clusters()) {
            if (r.firstRow() != next || r.rows() <= 0 || r.cluster() <= lastCluster || r.cluster() >= nlist) {
                throw new CorruptBundleException(file, "cluster ranges in the manifest are not contiguous, ascending and within nlist");
            }
            next += r.rows();
            lastCluster = r.cluster();
        }
        if (next != p.rows()) {
            throw new CorruptBundleException(file, "cluster ranges cover " + next + " rows but the partition has " + p.rows());
        }
    }

    public Manifest manifest() {
        return manifest;
    }

    /** The generation this bundle was opened at, e.g. {@code gen-000042}. */
    public String generation() {
        return generation;
    }

    public Path directory() {
        return bundleDir;
    }

    /** Path of a data file of this generation. */
    public Path file(String name) {
        return genDir.resolve(name);
    }

    /** Whether a newer generation has been published since this one was opened. */
    public Bundles.RefreshResult refresh() {
        return Bundles.refresh(bundleDir, generation);
    }

    /** The centroids, {@code nlist * dim} floats row-major. */
    public float[] readCentroids() {
        Path file = genDir.resolve(manifest.centroids().file());
        float[] out = new float[manifest.nlist() * manifest.dim()];
        long rows = readArrow(file, PartitionSchema.centroids(manifest.dim()), (root, offset) -> {
            FixedSizeListVector list = (FixedSizeListVector) root.getVector(PartitionSchema.CENTROID);
            Float4Vector values = (Float4Vector) list.getDataVector();
            int n = root.getRowCount();
            if (offset + n > manifest.nlist()) {
                throw new CorruptBundleException(file, "holds more than nlist=" + manifest.nlist() + " centroids");
            }
            for (int i = 0; i < n * manifest.dim(); i++) {
                out[(int) offset * manifest.dim() + i] = values.get(i);
            }
        });
        if (rows != manifest.nlist()) {
            throw new CorruptBundleException(file, "holds " + rows + " centroids but nlist is " + manifest.nlist());
        }
        return out;
    }

    /**
     * Reads the live rows of partition {@code i} into arrays, checking schema, row count and cluster ranges: rows whose
     * id is in the partition's deletion set are left out (and the ranges describe the rows returned).
     */
    public PartitionData readPartition(int i) {
        PartitionData stored = readStoredRows(i);
        Manifest.PartitionEntry p = manifest.partitions().get(i);
        return p.deletes() == null ? stored : withoutDeleted(stored, readDeletes(i), genDir.resolve(p.deletes().file()), p.deletes().rows());
    }

    /**
     * The id of every row stored in partition {@code i}, deleted or not, in row order (so the manifest's cluster ranges
     * index it); reads batch by batch and keeps only the ids.
     */
    public long[] readStoredIds(int i) {
        Manifest.PartitionEntry p = manifest.partitions().get(i);
        Path file = genDir.resolve(p.file());
        if (p.rows() > Integer.MAX_VALUE - 8) {
            throw new BundleException(file + " has " + p.rows() + " rows, too many for one array");
        }
        return readIds(file, PartitionSchema.partition(manifest.dim(), manifest.codeBytes(), manifest.factorColumns(),
                manifest.hasRaw()), (int) p.rows());
    }

    /** The {@code id} column of an Arrow file that must hold exactly {@code count} rows. */
    private static long[] readIds(Path file, Schema schema, int count) {
        long[] ids = new long[count];
        long read = readArrow(file, schema, (root, offset) -> {
            BigIntVector v = (BigIntVector) root.getVector(PartitionSchema.ID);
            int n = root.getRowCount();
            if (offset + n > ids.length) {
                throw new CorruptBundleException(file, "holds more rows than the manifest's " + ids.length);
            }
            for (int r = 0; r < n; r++) {
                ids[(int) offset + r] = v.get(r);
            }
        });
        if (read != ids.length) {
            throw new CorruptBundleException(file, "holds " + read + " rows but the manifest records " + ids.length);
        }
        return ids;
    }

    /** The ids deleted from partition {@code i} (strictly ascending; empty when it has no deletion set). */
    public long[] readDeletes(int i) {
        Manifest.Deletes d = manifest.partitions().get(i).deletes();
        if (d == null) {
            return new long[0];
        }
        Path file = genDir.resolve(d.file());
        if (d.ids() > Integer.MAX_VALUE - 8) {
            throw new CorruptBundleException(file, "records " + d.ids() + " deleted ids, more than one partition can hold");
        }
        long[] ids = readIds(file, PartitionSchema.deletes(), (int) d.ids());
        for (int k = 1; k < ids.length; k++) {
            if (ids[k] <= ids[k - 1]) {
                throw new CorruptBundleException(file, "ids are not strictly ascending");
            }
        }
        return ids;
    }

    private static PartitionData withoutDeleted(PartitionData d, long[] deleted, Path deletesFile, long expectedRows) {
        boolean[] used = new boolean[deleted.length];
        int n = d.rows();
        int kept = 0;
        int[] keep = new int[n];
        for (int r = 0; r < n; r++) {
            int at = java.util.Arrays.binarySearch(deleted, d.ids()[r]);
            if (at >= 0) {
                used[at] = true;
            } else {
                keep[kept++] = r;
            }
        }
        for (int k = 0; k < used.length; k++) {
            if (!used[k]) {
                throw new CorruptBundleException(deletesFile, "deletes id " + deleted[k] + ", which its partition does not hold");
            }
        }
        if (n - kept != expectedRows) {
            throw new CorruptBundleException(deletesFile, "removes " + (n - kept) + " rows but the manifest records " + expectedRows);
        }
        int cb = n == 0 ? 0 : d.codes().length / n;
        long[] ids = new long[kept];
        int[] clusters = new int[kept];
        byte[] codes = new byte[kept * cb];
        float[][] factors = new float[d.factors().length][kept];
        List<Manifest.ClusterRange> ranges = new java.util.ArrayList<>();
        for (int j = 0; j < kept; j++) {
            int r = keep[j];
            ids[j] = d.ids()[r];
            clusters[j] = d.clusters()[r];
            System.arraycopy(d.codes(), r * cb, codes, j * cb, cb);
            for (int f = 0; f < factors.length; f++) {
                factors[f][j] = d.factors()[f][r];
            }
        }
        for (int start = 0, j = 1; j <= kept; j++) {
            if (j == kept || clusters[j] != clusters[start]) {
                ranges.add(new Manifest.ClusterRange(clusters[start], start, j - start));
                start = j;
            }
        }
        return new PartitionData(ids, clusters, codes, factors, d.raw() == null ? null : ((MappedRawColumn) d.raw()).select(keep, kept),
                ranges);
    }

    /** Reads every row stored in partition {@code i}, deleted or not; its raw vectors are mapped, not read. */
    private PartitionData readStoredRows(int i) {
        Manifest.PartitionEntry p = manifest.partitions().get(i);
        Path file = genDir.resolve(p.file());
        if (p.rows() > Integer.MAX_VALUE - 8) {
            throw new BundleException(file + " has " + p.rows() + " rows, too many for one array; map it instead");
        }
        int rows = (int) p.rows();
        int cb = manifest.codeBytes();
        int dim = manifest.dim();
        int nf = manifest.factorColumns().size();
        long[] ids = new long[rows];
        int[] clusters = new int[rows];
        byte[] codes = new byte[rows * cb];
        float[][] factors = new float[nf][rows];
        Schema schema = PartitionSchema.partition(dim, cb, manifest.factorColumns(), manifest.hasRaw());
        long read = readArrow(file, schema, (root, offset) -> {
            int n = root.getRowCount();
            if (offset + n > rows) {
                throw new CorruptBundleException(file, "holds more rows than the manifest's " + rows);
            }
            int o = (int) offset;
            BigIntVector idv = (BigIntVector) root.getVector(PartitionSchema.ID);
            IntVector cv = (IntVector) root.getVector(PartitionSchema.CLUSTER);
            FixedSizeBinaryVector code = (FixedSizeBinaryVector) root.getVector(PartitionSchema.CODE);
            for (int r = 0; r < n; r++) {
                ids[o + r] = idv.get(r);
                clusters[o + r] = cv.get(r);
                System.arraycopy(code.get(r), 0, codes, (o + r) * cb, cb);
            }
            for (int f = 0; f < nf; f++) {
                Float4Vector fv = (Float4Vector) root.getVector(manifest.factorColumns().get(f));
                for (int r = 0; r < n; r++) {
                    factors[f][o + r] = fv.get(r);
                }
            }
        });
        if (read != rows) {
            throw new CorruptBundleException(file, "holds " + read + " rows but the manifest records " + rows);
        }
        for (Manifest.ClusterRange r : p.clusters()) {
            for (long k = r.firstRow(); k < r.firstRow() + r.rows(); k++) {
                if (clusters[(int) k] != r.cluster()) {
                    throw new CorruptBundleException(file, "row " + k + " is in cluster " + clusters[(int) k]
                            + " but the manifest places it in cluster " + r.cluster());
                }
            }
        }
        return new PartitionData(ids, clusters, codes, factors, manifest.hasRaw() ? MappedRawColumn.map(file, dim, rows) : null,
                p.clusters());
    }

    /** Memory-maps a partition file read-only (no copy; the Arrow IPC layout is documented in the module README). */
    public MappedByteBuffer map(int i) {
        Path file = genDir.resolve(manifest.partitions().get(i).file());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + file + ": " + e.getMessage(), e);
        }
    }

    private interface BatchConsumer {
        void accept(VectorSchemaRoot root, long offset);
    }

    private static long readArrow(Path file, Schema expected, BatchConsumer consumer) {
        // a batch is read from the file, so it never needs much more memory than the file has bytes: the limit turns a
        // corrupt length field into a refused allocation instead of an attempt to allocate terabytes
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             BufferAllocator allocator = new RootAllocator(2 * ch.size() + (1 << 20));
             ArrowFileReader reader = new ArrowFileReader(ch, allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            if (!root.getSchema().equals(expected)) {
                throw new CorruptBundleException(file, "has schema " + root.getSchema() + " but the manifest implies " + expected);
            }
            long offset = 0;
            List<ArrowBlock> blocks = reader.getRecordBlocks();
            for (ArrowBlock block : blocks) {
                if (!reader.loadRecordBatch(block)) {
                    throw new CorruptBundleException(file, "record batch could not be loaded");
                }
                consumer.accept(root, offset);
                offset += root.getRowCount();
            }
            return offset;
        } catch (CorruptBundleException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptBundleException(file, "is not a readable Arrow IPC file: " + e.getMessage(), e);
        }
    }

    /** Releases the reader's hold on the generation. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            release(genDir, true);
        }
    }

    @Override
    public String toString() {
        return "Bundle{" + genDir + ", rows=" + manifest.rows() + ", witness=" + manifest.witness() + "}";
    }
}
