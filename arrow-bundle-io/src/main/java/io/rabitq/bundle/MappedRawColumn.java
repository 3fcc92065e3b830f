package io.rabitq.bundle;

import io.rabitq.core.RawVectors;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;

/**
 * The {@code raw} column of one partition file, memory-mapped: each record batch's float buffer is mapped read-only
 * where the Arrow IPC file holds it, so the raw vectors are read from the page cache and never copied onto the heap
 * as a whole. Rows are the partition's live rows (deleted rows are skipped through a row map). Immutable.
 */
final class MappedRawColumn implements RawVectors {
    private final FloatBuffer[] batches;
    /** Stored row of each batch's first row, and the stored row count at the end. */
    private final int[] batchStarts;
    /** Live row to stored row, or null when every stored row is live. */
    private final int[] rowMap;
    private final int dim;

    private MappedRawColumn(FloatBuffer[] batches, int[] batchStarts, int[] rowMap, int dim) {
        this.batches = batches;
        this.batchStarts = batchStarts;
        this.rowMap = rowMap;
        this.dim = dim;
    }

    /**
     * Maps the raw column of {@code file}, a partition file of {@code rows} rows whose schema was checked (the column is
     * last, so each record batch's last buffer holds its raw floats). Reads only the footer and the batch headers;
     * refuses a compressed batch or a buffer outside its batch's body.
     */
    static MappedRawColumn map(Path file, int dim, int rows) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             BufferAllocator allocator = new RootAllocator(1 << 20);
             ArrowFileReader reader = new ArrowFileReader(ch, allocator)) {
            List<ArrowBlock> blocks = reader.getRecordBlocks();
            FloatBuffer[] batches = new FloatBuffer[blocks.size()];
            int[] starts = new int[blocks.size() + 1];
            for (int b = 0; b < blocks.size(); b++) {
                ArrowBlock block = blocks.get(b);
                ch.position(block.getOffset());
                MessageMetadataResult message = MessageSerializer.readMessage(new ReadChannel(ch));
                if (message == null || message.headerType() != MessageHeader.RecordBatch) {
                    throw new CorruptBundleException(file, "block " + b + " is not a record batch");
                }
                RecordBatch batch = (RecordBatch) message.getMessage().header(new RecordBatch());
                if (batch.compression() != null) {
                    throw new CorruptBundleException(file, "record batch " + b + " is compressed; bundles store raw vectors uncompressed");
                }
                long n = batch.length();
                Buffer values = batch.buffers(batch.buffersLength() - 1);
                long bytes = n * dim * Float.BYTES;
                if (n < 0 || starts[b] + n > rows || values.offset() < 0 || values.length() < bytes
                        || values.offset() + bytes > block.getBodyLength()) {
                    throw new CorruptBundleException(file, "record batch " + b + " does not hold its raw vectors where its header says");
                }
                long at = block.getOffset() + block.getMetadataLength() + values.offset();
                batches[b] = ch.map(FileChannel.MapMode.READ_ONLY, at, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                starts[b + 1] = starts[b] + (int) n;
            }
            if (starts[blocks.size()] != rows) {
                throw new CorruptBundleException(file, "holds " + starts[blocks.size()] + " raw vectors but the manifest records " + rows);
            }
            return new MappedRawColumn(batches, starts, null, dim);
        } catch (CorruptBundleException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptBundleException(file, "raw vectors cannot be mapped: " + e.getMessage(), e);
        }
    }

    /** The stored rows {@code keep[0 .. kept)} (ascending), as rows 0 .. kept - 1. */
    MappedRawColumn select(int[] keep, int kept) {
        return new MappedRawColumn(batches, batchStarts, Arrays.copyOf(keep, kept), dim);
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int size() {
        return rowMap != null ? rowMap.length : batchStarts[batches.length];
    }

    @Override
    public void read(int row, float[] dst, int offset) {
        int stored = rowMap == null ? row : rowMap[row];
        int b = Arrays.binarySearch(batchStarts, 0, batches.length, stored);
        if (b < 0) {
            b = -b - 2;
        }
        while (b + 1 < batches.length && batchStarts[b + 1] == stored) { // past empty batches
            b++;
        }
        batches[b].get((stored - batchStarts[b]) * dim, dst, offset, dim);
    }

    @Override
    public long heapBytes() {
        return 64L * batches.length + 4L * batchStarts.length + (rowMap == null ? 0 : 4L * rowMap.length);
    }
}
