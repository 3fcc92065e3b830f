package io.rabitq.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * Writes one new generation of a bundle and publishes it atomically:
 * <ol>
 *   <li>all files go to a private directory {@code .tmp-gen-NNNNNN-*} and are fsynced as they are finished
 *       (partitions of an earlier generation that did not change are hard-linked, not copied);</li>
 *   <li>{@link #publish()} writes {@code manifest.json} (with the witness), fsyncs it and the directory, and then,
 *       holding the bundle's {@code PUBLISH.lock} (one publisher at a time, across processes), renames the directory
 *       to the next free {@code gen-NNNNNN}, fsyncs the bundle directory and replaces {@code CURRENT} by writing a
 *       temporary file, fsyncing it and renaming it over {@code CURRENT}.</li>
 * </ol>
 * A crash at any point leaves the previous generation live; closing without publishing deletes the work.
 */
public final class GenerationWriter implements AutoCloseable {
    private final Path bundleDir;
    private final BundleSpec spec;
    private String generation;
    private final Path work;
    private final BufferAllocator allocator = new RootAllocator();
    private final List<PartitionWriter> open = new ArrayList<>();
    private final TreeMap<Integer, Manifest.PartitionEntry> finished = new TreeMap<>();
    private final java.util.IdentityHashMap<PartitionWriter, Integer> numbers = new java.util.IdentityHashMap<>();
    private final TreeMap<String, String> laterParams = new TreeMap<>();
    private Manifest.FileEntry centroids;
    private int nextPartition;
    private boolean published;

    private GenerationWriter(Path bundleDir, BundleSpec spec) throws IOException {
        this.bundleDir = bundleDir;
        this.spec = spec;
        Files.createDirectories(bundleDir);
        this.generation = String.format("gen-%06d", Bundles.latestGenerationNumber(bundleDir, null) + 1);
        this.work = Files.createDirectory(uniqueName(bundleDir, ".tmp-" + generation + "-"));
    }

    /**
     * A fresh name in {@code dir}. Not {@code Files.createTemp*}: those create owner-only (0700/0600) entries, and a
     * bundle must be readable by whoever the usual umask lets read it (a sidecar, a BI user, another service account).
     */
    private static Path uniqueName(Path dir, String prefix) {
        return dir.resolve(prefix + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36));
    }

    /** Starts a generation in {@code bundleDir} (created if needed). */
    public static GenerationWriter begin(Path bundleDir, BundleSpec spec) {
        try {
            return new GenerationWriter(bundleDir, spec);
        } catch (IOException e) {
            throw new BundleException("cannot start a generation in " + bundleDir + ": " + e.getMessage(), e);
        }
    }

    /** The generation this writer published, e.g. {@code gen-000043} (before publishing: the name it expects to take). */
    public String generation() {
        return generation;
    }

    /** Sets a manifest param known only once the rows are written (e.g. a statistic over them); overrides the spec's. */
    public synchronized void param(String key, String value) {
        laterParams.put(key, value);
    }

    /** Hard-links (or copies) the centroids of the open generation {@code from}, which must have this spec's shape. */
    public synchronized void reuseCentroids(Bundle from) {
        Manifest.FileEntry c = from.manifest().centroids();
        if (from.manifest().nlist() != spec.nlist() || from.manifest().dim() != spec.dim()) {
            throw new BundleException("the centroids of " + from + " do not have this generation's shape");
        }
        link(from.file(c.file()), work.resolve(c.file()));
        centroids = c;
    }

    /** Writes the {@code nlist x dim} centroids (row-major). */
    public void writeCentroids(float[] rowMajor) {
        if (rowMajor.length != (long) spec.nlist() * spec.dim()) {
            throw new BundleException("expected " + spec.nlist() + " x " + spec.dim() + " centroid values, got " + rowMajor.length);
        }
        try (VectorSchemaRoot root = VectorSchemaRoot.create(PartitionSchema.centroids(spec.dim()), allocator)) {
            FixedSizeListVector list = (FixedSizeListVector) root.getVector(PartitionSchema.CENTROID);
            Float4Vector values = (Float4Vector) list.getDataVector();
            try (HashedArrowFile f = new HashedArrowFile(work.resolve("centroids.arrow"), root)) {
                int batch = Math.max(1, PartitionWriter.BATCH_ROWS * 8 / spec.dim());
                for (int start = 0; start < spec.nlist(); start += batch) {
                    int n = Math.min(batch, spec.nlist() - start);
                    root.allocateNew();
                    for (int i = 0; i < n; i++) {
                        list.setNotNull(i);
                        for (int d = 0; d < spec.dim(); d++) {
                            values.setSafe(i * spec.dim() + d, rowMajor[(start + i) * spec.dim() + d]);
                        }
                    }
                    root.setRowCount(n);
                    f.writeBatch();
                }
                centroids = f.finish();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write centroids: " + e.getMessage(), e);
        }
    }

    /** Opens the next partition file ({@code part-00000.arrow}, ...); close it when its rows are written. */
    public synchronized PartitionWriter openPartition() {
        int number = nextPartition++;
        try {
            Path file = work.resolve(partitionFileName(number));
            PartitionWriter w = new PartitionWriter(this::finished, allocator, null, file, file, spec);
            open.add(w);
            numbers.put(w, number);
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create partition file: " + e.getMessage(), e);
        }
    }

    static String partitionFileName(int number) {
        return String.format("part-%05d.arrow", number);
    }

    /**
     * Adds partition {@code i} of the open generation {@code from} unchanged as the next partition: its file (and
     * deletion set) are hard-linked into this generation (copied where the file system has no hard links), so no
     * byte is rewritten and retention of either generation never removes what the other still uses.
     */
    public synchronized int reusePartition(Bundle from, int i) {
        return reuse(from, i, null, 0);
    }

    /**
     * Like {@link #reusePartition(Bundle, int)}, with a new deletion set: {@code deletedIds} (strictly ascending, every
     * id held by the partition; empty for none), which remove {@code deletedRows} of its rows. Readers check both.
     */
    public synchronized int reusePartition(Bundle from, int i, long[] deletedIds, long deletedRows) {
        return reuse(from, i, deletedIds, deletedRows);
    }

    private int reuse(Bundle from, int i, long[] deletedIds, long deletedRows) {
        Manifest.PartitionEntry p = from.manifest().partitions().get(i);
        int number = nextPartition++;
        link(from.file(p.file()), work.resolve(partitionFileName(number)));
        Manifest.Deletes d = null;
        if (deletedIds != null && deletedIds.length > 0) {
            d = writeDeletes(number, deletedIds, deletedRows);
        } else if (deletedIds == null && p.deletes() != null) {
            Manifest.Deletes old = p.deletes();
            d = new Manifest.Deletes(deletesFileName(number), old.ids(), old.rows(), old.bytes(), old.sha256());
            link(from.file(old.file()), work.resolve(d.file()));
        }
        finished.put(number, p.withDeletes(d).withFile(partitionFileName(number)));
        return number;
    }

    private static String deletesFileName(int number) {
        return String.format("part-%05d.deletes.arrow", number);
    }

    private Manifest.Deletes writeDeletes(int number, long[] ids, long rows) {
        for (int k = 1; k < ids.length; k++) {
            if (ids[k] <= ids[k - 1]) {
                throw new BundleException("deleted ids must be strictly ascending");
            }
        }
        Path file = work.resolve(deletesFileName(number));
        try (VectorSchemaRoot root = VectorSchemaRoot.create(PartitionSchema.deletes(), allocator);
             HashedArrowFile f = new HashedArrowFile(file, root)) {
            org.apache.arrow.vector.BigIntVector v = (org.apache.arrow.vector.BigIntVector) root.getVector(PartitionSchema.ID);
            for (int start = 0; start < ids.length; start += PartitionWriter.BATCH_ROWS) {
                int n = Math.min(PartitionWriter.BATCH_ROWS, ids.length - start);
                root.allocateNew();
                for (int k = 0; k < n; k++) {
                    v.setSafe(k, ids[start + k]);
                }
                root.setRowCount(n);
                f.writeBatch();
            }
            Manifest.FileEntry e = f.finish();
            return new Manifest.Deletes(e.file(), ids.length, rows, e.bytes(), e.sha256());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void link(Path existing, Path link) {
        try {
            try {
                Files.createLink(link, existing);
            } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
                Files.copy(existing, link, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reuse " + existing + ": " + e.getMessage(), e);
        }
    }

    /** The private directory this generation is written into, for {@link PartitionWriter#forTask}. */
    public Path workDirectory() {
        return work;
    }

    /** The spec this generation is written with (for tasks that write partitions). */
    public BundleSpec spec() {
        return spec;
    }

    /**
     * Adds partition {@code number}, written by {@link PartitionWriter#forTask}; its file must be in place with
     * the recorded size (its hash is verified whenever the bundle is opened).
     */
    public synchronized void addPartition(int number, Manifest.PartitionEntry entry) {
        Path file = work.resolve(partitionFileName(number));
        try {
            if (!entry.file().equals(file.getFileName().toString()) || java.nio.file.Files.size(file) != entry.bytes()) {
                throw new CorruptBundleException(file, "does not match the entry its task reported");
            }
        } catch (IOException e) {
            throw new CorruptBundleException(file, "is missing: the task that wrote it did not finish", e);
        }
        if (finished.putIfAbsent(number, entry) != null) {
            throw new BundleException("partition " + number + " was added twice");
        }
        nextPartition = Math.max(nextPartition, number + 1);
    }

    synchronized void finished(PartitionWriter w, Manifest.PartitionEntry entry) {
        open.remove(w);
        finished.put(numbers.get(w), entry);
    }

    /** Writes the manifest and makes this generation the live one; returns the published manifest. */
    public synchronized Manifest publish() {
        return publish(null, false, null);
    }

    /**
     * Like {@link #publish()}, but only if the new generation's witness equals {@code expectedWitness} (when not
     * null): a copy that is not byte-identical is refused and nothing is published.
     */
    public synchronized Manifest publishExpecting(String expectedWitness) {
        return publish(expectedWitness, false, null);
    }

    /**
     * Like {@link #publish()}, but only if the live generation is still {@code base} (null: the bundle had none), the
     * one this writer's changes were computed from; checked and published under the bundle's publish lock.
     *
     * @throws ConcurrentPublishException when another writer published in between (nothing is published)
     */
    public synchronized Manifest publishOver(String base) {
        return publish(null, true, base);
    }

    private Manifest publish(String expectedWitness, boolean checkBase, String base) {
        if (!open.isEmpty()) {
            throw new IllegalStateException(open.size() + " partition writer(s) are still open; close them before publishing");
        }
        if (centroids == null) {
            throw new IllegalStateException("writeCentroids was not called");
        }
        if (finished.size() != nextPartition) {
            throw new IllegalStateException("not every opened partition was closed");
        }
        boolean hasDeletes = finished.values().stream().anyMatch(p -> p.deletes() != null);
        TreeMap<String, String> params = new TreeMap<>(spec.params());
        params.putAll(laterParams);
        Manifest m = new Manifest(Manifest.formatVersionFor(spec.bits(), hasDeletes), spec.dim(), spec.paddedDim(), spec.metric(), spec.bits(),
                spec.rotationKind(), spec.rotationSeed(), spec.nlist(), params, spec.factorColumns(), spec.hasRaw(),
                spec.sourceRef(), spec.sourceVersion(), centroids, new ArrayList<>(finished.values()), spec.tags(), "").withWitness();
        if (expectedWitness != null && !expectedWitness.equals(m.witness())) {
            throw new CorruptBundleException(work, "the rewritten generation has witness " + m.witness() + " but the source "
                    + "manifest promises " + expectedWitness + "; its rows differ from the original");
        }
        try {
            try (java.util.stream.Stream<Path> s = Files.list(work)) { // files of failed task attempts
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (p.getFileName().toString().startsWith(".")) {
                        Files.delete(p);
                    }
                }
            }
            writeSynced(work.resolve(Bundles.MANIFEST), ManifestCodec.write(m));
            writeSynced(work.resolve(Bundles.READERS_LOCK), new byte[0]);
            fsyncDirectory(work);
            PublishLock.run(bundleDir, () -> {
                String live = Bundles.currentGeneration(bundleDir).orElse(null);
                if (checkBase && !java.util.Objects.equals(base, live)) {
                    throw new ConcurrentPublishException(bundleDir, base == null ? "an empty bundle" : base, live);
                }
                generation = String.format("gen-%06d", Bundles.latestGenerationNumber(bundleDir, work) + 1);
                Files.move(work, bundleDir.resolve(generation), StandardCopyOption.ATOMIC_MOVE);
                fsyncDirectory(bundleDir);
                Path tmp = Files.createFile(uniqueName(bundleDir, ".tmp-CURRENT-"));
                writeSynced(tmp, (generation + "\n").getBytes(StandardCharsets.US_ASCII));
                Files.move(tmp, bundleDir.resolve(Bundles.CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                fsyncDirectory(bundleDir);
            });
        } catch (IOException e) {
            throw new BundleException("publishing " + generation + " in " + bundleDir + " failed (the previous generation stays live): "
                    + e.getMessage(), e);
        }
        published = true;
        return m;
    }

    static void writeSynced(Path path, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Abandons an unpublished generation: its temporary directory is deleted. */
    @Override
    public void close() {
        for (PartitionWriter w : new ArrayList<>(open)) {
            w.abort();
        }
        allocator.close();
        if (!published) {
            Bundles.deleteRecursively(work);
        }
    }
}
