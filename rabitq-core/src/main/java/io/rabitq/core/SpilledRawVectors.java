package io.rabitq.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Raw vectors written once to a temporary file and read back memory-mapped, so an index built in this process keeps
 * them off the heap as an index loaded from a bundle does. The file is deleted as soon as it is mapped (the mappings
 * keep its pages until they are collected), so nothing is left behind however the process ends. The directory is
 * {@code -Drabitq.spill.dir}, else {@code java.io.tmpdir}.
 */
final class SpilledRawVectors implements RawVectors {
    /** Bytes per mapping at most (a mapping is limited to 2 GiB); windows hold whole rows. */
    private static final long WINDOW_BYTES = 1L << 30;

    private final FloatBuffer[] windows;
    private final int rowsPerWindow;
    private final int dim;
    private final int size;

    private SpilledRawVectors(FloatBuffer[] windows, int rowsPerWindow, int dim, int size) {
        this.windows = windows;
        this.rowsPerWindow = rowsPerWindow;
        this.dim = dim;
        this.size = size;
    }

    /** Writes the rows of {@code clusters} one cluster after another and gives each cluster its rows back, mapped. */
    static RawVectors[] spill(RawVectors[] clusters, int dim) {
        Path dir = Path.of(System.getProperty("rabitq.spill.dir", System.getProperty("java.io.tmpdir")));
        long rows = 0;
        for (RawVectors c : clusters) {
            rows += c.size();
        }
        if (rows > Integer.MAX_VALUE) {
            throw new InvalidParameterException(rows + " raw vectors are more than one index holds; split the data");
        }
        Path file = null;
        try {
            file = Files.createTempFile(dir, "rabitq-raw-", ".f32");
            SpilledRawVectors all;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.allocate(Math.max(1 << 20, 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
                float[] row = new float[dim];
                for (RawVectors c : clusters) {
                    for (int r = 0; r < c.size(); r++) {
                        if (buf.remaining() < 4 * dim) {
                            drain(ch, buf);
                        }
                        c.read(r, row, 0);
                        buf.asFloatBuffer().put(row);
                        buf.position(buf.position() + 4 * dim);
                    }
                }
                drain(ch, buf);
                all = map(ch, dim, (int) rows);
            }
            RawVectors[] out = new RawVectors[clusters.length];
            int at = 0;
            for (int c = 0; c < clusters.length; c++) {
                out[c] = all.slice(at, clusters[c].size());
                at += clusters[c].size();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill raw vectors to " + dir + " (set -Drabitq.spill.dir to a directory with "
                    + "room for them): " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    file.toFile().deleteOnExit();
                }
            }
        }
    }

    private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    private static SpilledRawVectors map(FileChannel ch, int dim, int rows) throws IOException {
        int perWindow = (int) Math.max(1, WINDOW_BYTES / (4L * dim));
        FloatBuffer[] windows = new FloatBuffer[(rows + perWindow - 1) / perWindow];
        for (int w = 0; w < windows.length; w++) {
            long first = (long) w * perWindow;
            long bytes = 4L * dim * Math.min(perWindow, rows - first);
            windows[w] = ch.map(FileChannel.MapMode.READ_ONLY, 4L * dim * first, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
        return new SpilledRawVectors(windows, perWindow, dim, rows);
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void read(int row, float[] dst, int offset) {
        windows[row / rowsPerWindow].get((row % rowsPerWindow) * dim, dst, offset, dim);
    }

    @Override
    public long heapBytes() {
        return 64L * windows.length;
    }
}
