package io.rabitq.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds an {@link IvfEngine} from rows that arrive after the codebook was trained on a sample: rows are buffered in
 * chunks of {@value #CHUNK_ROWS}, and each full chunk is assigned and encoded (clusters in parallel) and let go, so the
 * heap holds the codes, one chunk of raw rows and (only if kept for rerank) the raw rows themselves until
 * {@code build()} moves them to a mapped file — never a second copy of the data. Not thread-safe; its index serializes calls.
 */
final class StreamingBuild {
    static final int CHUNK_ROWS = 1 << 16;

    private final Codebook codebook;
    private final boolean foldCentroids;
    private final boolean keepRaw;
    private final int dim;
    private final LongHashSet seen = new LongHashSet();
    private final List<List<ClusterCodes>> parts;
    private final long[] chunkIds = new long[CHUNK_ROWS];
    private final float[] chunkRows;
    private int buffered;
    private long size;

    StreamingBuild(Codebook codebook, boolean foldCentroids, boolean keepRaw) {
        this.codebook = codebook;
        this.foldCentroids = foldCentroids;
        this.keepRaw = keepRaw;
        this.dim = codebook.dim();
        this.chunkRows = new float[CHUNK_ROWS * dim];
        this.parts = new ArrayList<>(codebook.nlist());
        for (int c = 0; c < codebook.nlist(); c++) {
            parts.add(new ArrayList<>());
        }
    }

    /** Validates and buffers one row; encodes the buffer when it is full. */
    void add(long id, float[] vector) {
        float[] v = codebook.prepare("vector (id " + id + ")", vector);
        if (!seen.add(id)) {
            throw new DuplicateIdException(id);
        }
        chunkIds[buffered] = id;
        System.arraycopy(v, 0, chunkRows, buffered * dim, dim);
        buffered++;
        size++;
        if (buffered == CHUNK_ROWS) {
            flush();
        }
    }

    long size() {
        return size;
    }

    private void flush() {
        int n = buffered;
        if (n == 0) {
            return;
        }
        ClusterCodes[] encoded = IvfEngine.encodeClusters(codebook, chunkIds, chunkRows, n, foldCentroids, keepRaw, false);
        for (int c = 0; c < encoded.length; c++) {
            if (encoded[c].size > 0) {
                parts.get(c).add(encoded[c]);
            }
        }
        buffered = 0;
    }

    /** Encodes what is buffered and joins each cluster's parts; the builder is spent afterwards. */
    IvfEngine finish(ScanKernel kernel) {
        if (size == 0) {
            throw new EmptyIndexException();
        }
        flush();
        ClusterCodes[] clusters = new ClusterCodes[codebook.nlist()];
        for (int c = 0; c < clusters.length; c++) {
            clusters[c] = ClusterCodes.concat(codebook.codeBits(), codebook.bits(), parts.get(c), keepRaw, dim,
                    kernel.needsPackedCodes());
            parts.set(c, null); // let each cluster's parts go as soon as they are joined
        }
        return IvfEngine.of(codebook, foldCentroids, kernel, clusters);
    }
}
