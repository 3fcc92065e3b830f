package io.rabitq.bundle;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;

/**
 * An Arrow IPC file being written batch by batch while its SHA-256 is computed on the fly; {@link #finish()}
 * ends the file, fsyncs it and returns its entry.
 */
final class HashedArrowFile implements AutoCloseable {
    private final Path path;
    private final FileOutputStream file;
    private final MessageDigest digest = Witness.sha256();
    private final CountingStream counter;
    private final ArrowFileWriter writer;
    private boolean finished;

    HashedArrowFile(Path path, VectorSchemaRoot root) throws IOException {
        this.path = path;
        this.file = new FileOutputStream(path.toFile());
        this.counter = new CountingStream(new DigestOutputStream(new BufferedOutputStream(file, 1 << 20), digest));
        this.writer = new ArrowFileWriter(root, null, Channels.newChannel(counter));
        writer.start();
    }

    /** Writes the root's current rows as one record batch. */
    void writeBatch() throws IOException {
        writer.writeBatch();
    }

    Manifest.FileEntry finish() throws IOException {
        writer.end();
        counter.flush();
        file.getFD().sync();
        finished = true;
        writer.close();
        return new Manifest.FileEntry(path.getFileName().toString(), counter.count, Witness.hex(digest.digest()));
    }

    @Override
    public void close() {
        if (!finished) {
            writer.close();
        }
    }

    /** Counts bytes on their way to the digest and the file. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
