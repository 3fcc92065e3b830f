package io.rabitq.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * Streams the rows of one partition file in batches of {@value #BATCH_ROWS}, so memory stays bounded however
 * many rows the partition has. Rows must arrive sorted by cluster; the writer records each cluster's row range.
 */
public final class PartitionWriter implements AutoCloseable {
    static final int BATCH_ROWS = 16_384;

    private final BundleSpec spec;
    private final VectorSchemaRoot root;
    private final BigIntVector ids;
    private final IntVector clusters;
    private final FixedSizeBinaryVector codes;
    private final Float4Vector[] factors;
    private final Float4Vector raw;
    private final HashedArrowFile file;
    private final List<Manifest.ClusterRange> ranges = new ArrayList<>();
    private final java.util.function.BiConsumer<PartitionWriter, Manifest.PartitionEntry> onClose;
    private final BufferAllocator ownAllocator;
    private final Path attemptFile;
    private final Path finalFile;
    private int inBatch;
    private long rows;
    private int currentCluster = Integer.MIN_VALUE;
    private long clusterStart;
    private Manifest.PartitionEntry entry;

    PartitionWriter(java.util.function.BiConsumer<PartitionWriter, Manifest.PartitionEntry> onClose, BufferAllocator allocator,
                    BufferAllocator ownAllocator, Path attemptFile, Path finalFile, BundleSpec spec) throws IOException {
        this.onClose = onClose;
        this.ownAllocator = ownAllocator;
        this.attemptFile = attemptFile;
        this.finalFile = finalFile;
        this.spec = spec;
        this.root = VectorSchemaRoot.create(PartitionSchema.partition(spec.dim(), spec.codeBytes(), spec.factorColumns(), spec.hasRaw()), allocator);
        this.ids = (BigIntVector) root.getVector(PartitionSchema.ID);
        this.clusters = (IntVector) root.getVector(PartitionSchema.CLUSTER);
        this.codes = (FixedSizeBinaryVector) root.getVector(PartitionSchema.CODE);
        this.factors = new Float4Vector[spec.factorColumns().size()];
        for (int i = 0; i < factors.length; i++) {
            factors[i] = (Float4Vector) root.getVector(spec.factorColumns().get(i));
        }
        this.raw = spec.hasRaw() ? (Float4Vector) ((FixedSizeListVector) root.getVector(PartitionSchema.RAW)).getDataVector() : null;
        root.allocateNew();
        this.file = new HashedArrowFile(attemptFile, root);
    }

    /**
     * Appends one row.
     *
     * @param code    {@code bits * paddedDim / 8} bytes (see {@link BundleSpec#codeBytes()})
     * @param factors one value per factor column
     * @param vector  the raw vector ({@code dim} floats) when the bundle keeps raw vectors, else ignored
     */
    public void append(long id, int cluster, byte[] code, float[] factorValues, float[] vector) {
        if (entry != null) {
            throw new IllegalStateException("partition already finished");
        }
        if (cluster < currentCluster) {
            throw new BundleException("rows must be sorted by cluster: cluster " + cluster + " after " + currentCluster);
        }
        if (cluster < 0 || cluster >= spec.nlist()) {
            throw new BundleException("cluster " + cluster + " is outside [0, " + spec.nlist() + ")");
        }
        if (code.length != spec.codeBytes() || factorValues.length != factors.length
                || (raw != null && (vector == null || vector.length != spec.dim()))) {
            throw new BundleException("row " + id + " has the wrong shape: code " + code.length + " bytes (want " + spec.codeBytes()
                    + "), " + factorValues.length + " factors (want " + factors.length + ")"
                    + (raw != null ? ", raw vector of " + (vector == null ? 0 : vector.length) + " (want " + spec.dim() + ")" : ""));
        }
        if (cluster != currentCluster) {
            closeRange();
            currentCluster = cluster;
            clusterStart = rows;
        }
        int i = inBatch;
        ids.setSafe(i, id);
        clusters.setSafe(i, cluster);
        codes.setSafe(i, code);
        for (int f = 0; f < factors.length; f++) {
            factors[f].setSafe(i, factorValues[f]);
        }
        if (raw != null) {
            FixedSizeListVector list = (FixedSizeListVector) root.getVector(PartitionSchema.RAW);
            list.setNotNull(i);
            int base = i * spec.dim();
            for (int d = 0; d < spec.dim(); d++) {
                raw.setSafe(base + d, vector[d]);
            }
        }
        inBatch++;
        rows++;
        if (inBatch == BATCH_ROWS) {
            flush();
        }
    }

    private void closeRange() {
        if (currentCluster != Integer.MIN_VALUE && rows > clusterStart) {
            ranges.add(new Manifest.ClusterRange(currentCluster, clusterStart, rows - clusterStart));
        }
    }

    private void flush() {
        if (inBatch == 0) {
            return;
        }
        try {
            root.setRowCount(inBatch);
            file.writeBatch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        inBatch = 0;
        root.allocateNew();
    }

    /** Rows appended so far. */
    public long rows() {
        return rows;
    }

    /** Ends the file (fsynced) and hands its entry to the generation. */
    Manifest.PartitionEntry finish() throws IOException {
        if (entry == null) {
            flush();
            closeRange();
            Manifest.FileEntry f = file.finish();
            root.close();
            if (!attemptFile.equals(finalFile)) { // a task attempt publishes its file whole, by rename
                java.nio.file.Files.move(attemptFile, finalFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            entry = new Manifest.PartitionEntry(finalFile.getFileName().toString(), rows, f.bytes(), f.sha256(), ranges);
            if (ownAllocator != null) {
                ownAllocator.close();
            }
        }
        return entry;
    }

    /**
     * Writes partition {@code number} of a generation from a separate process or task (e.g. a Spark task): the
     * rows go to a file private to {@code attempt}, which on close is renamed whole to {@code part-NNNNN.arrow} in
     * {@code workDir} (see {@link GenerationWriter#workDirectory()}). Retried or speculative attempts write the
     * same bytes, so whichever rename lands last is correct; the driver adds the returned {@link #entry()} with
     * {@link GenerationWriter#addPartition}.
     */
    public static PartitionWriter forTask(Path workDir, int number, String attempt, BundleSpec spec) {
        org.apache.arrow.memory.RootAllocator allocator = new org.apache.arrow.memory.RootAllocator();
        String name = GenerationWriter.partitionFileName(number);
        try {
            return new PartitionWriter((w, e) -> { }, allocator, allocator, workDir.resolve("." + name + "." + attempt + ".tmp"),
                    workDir.resolve(name), spec);
        } catch (IOException e) {
            allocator.close();
            throw new UncheckedIOException("cannot create partition file in " + workDir + ": " + e.getMessage(), e);
        }
    }

    /** The finished partition's manifest entry (after {@link #close()}). */
    public Manifest.PartitionEntry entry() {
        if (entry == null) {
            throw new IllegalStateException("partition not closed yet");
        }
        return entry;
    }

    /** Finishes the partition; the generation collects it at publish. */
    @Override
    public void close() {
        try {
            onClose.accept(this, finish());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish partition file: " + e.getMessage(), e);
        }
    }

    /** Abandons the partition: its attempt file stays private and is never renamed into place. */
    public void abort() {
        file.close();
        root.close();
        if (ownAllocator != null) {
            ownAllocator.close();
        }
    }
}
