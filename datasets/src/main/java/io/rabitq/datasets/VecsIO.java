package io.rabitq.datasets;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reader and writer of the TEXMEX vector formats used by SIFT1M, GIST1M and DEEP: every row is a little-endian
 * int32 dimension followed by that many components — float32 ({@code .fvecs}), int32 ({@code .ivecs}) or
 * uint8 ({@code .bvecs}). All rows of a file must have the same dimension.
 */
public final class VecsIO {
    private VecsIO() {
    }

    /** Rows of a vecs file as a flat array; {@code maxRows < 0} reads all. */
    public record Matrix<T>(int rows, int dim, T data) {
    }

    public static Matrix<float[]> readFvecs(Path path, int maxRows) throws IOException {
        return read(path, maxRows, 4, (buf, out, off, dim) -> {
            float[] f = (float[]) out;
            for (int i = 0; i < dim; i++) {
                f[off + i] = buf.getFloat();
            }
        }, float[]::new);
    }

    public static Matrix<int[]> readIvecs(Path path, int maxRows) throws IOException {
        return read(path, maxRows, 4, (buf, out, off, dim) -> {
            int[] a = (int[]) out;
            for (int i = 0; i < dim; i++) {
                a[off + i] = buf.getInt();
            }
        }, int[]::new);
    }

    /** Reads {@code .bvecs} (uint8 components) as floats. */
    public static Matrix<float[]> readBvecs(Path path, int maxRows) throws IOException {
        return read(path, maxRows, 1, (buf, out, off, dim) -> {
            float[] f = (float[]) out;
            for (int i = 0; i < dim; i++) {
                f[off + i] = buf.get() & 0xFF;
            }
        }, float[]::new);
    }

    public static void writeFvecs(Path path, float[] data, int dim) throws IOException {
        write(path, data.length / dim, dim, 4, (buf, row) -> {
            for (int i = 0; i < dim; i++) {
                buf.putFloat(data[row * dim + i]);
            }
        });
    }

    public static void writeIvecs(Path path, int[] data, int dim) throws IOException {
        write(path, data.length / dim, dim, 4, (buf, row) -> {
            for (int i = 0; i < dim; i++) {
                buf.putInt(data[row * dim + i]);
            }
        });
    }

    /** Writes floats as {@code .bvecs}; every component must be an integer in [0, 255]. */
    public static void writeBvecs(Path path, float[] data, int dim) throws IOException {
        write(path, data.length / dim, dim, 1, (buf, row) -> {
            for (int i = 0; i < dim; i++) {
                float v = data[row * dim + i];
                if (v < 0 || v > 255 || v != Math.rint(v)) {
                    throw new IllegalArgumentException("bvecs holds integers 0..255, got " + v + " at row " + row);
                }
                buf.put((byte) (int) v);
            }
        });
    }

    private interface RowReader {
        void read(ByteBuffer buf, Object out, int off, int dim);
    }

    private interface RowWriter {
        void write(ByteBuffer buf, int row);
    }

    private static <T> Matrix<T> read(Path path, int maxRows, int width, RowReader reader,
                                      java.util.function.IntFunction<T> alloc) throws IOException {
        long fileSize = Files.size(path);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 20);
             DataInputStream in = new DataInputStream(raw)) {
            if (fileSize < 4) {
                throw new IOException(path + " is empty or truncated: no dimension header");
            }
            ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            in.readFully(head.array());
            int dim = head.getInt(0);
            long rowBytes = 4L + (long) dim * width;
            if (dim <= 0 || dim > 1 << 20) {
                throw new IOException(path + ": invalid dimension " + dim + " in the first row header");
            }
            if (fileSize % rowBytes != 0) {
                throw new IOException(path + ": size " + fileSize + " is not a multiple of the row size " + rowBytes
                        + " (truncated file or mixed dimensions)");
            }
            long total = fileSize / rowBytes;
            int rows = (int) (maxRows < 0 ? total : Math.min(total, maxRows));
            if ((long) rows * dim > Integer.MAX_VALUE - 8) {
                throw new IOException(path + ": " + rows + " x " + dim + " does not fit one array; pass a row limit");
            }
            T out = alloc.apply(rows * dim);
            ByteBuffer buf = ByteBuffer.allocate((int) rowBytes - 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                if (r > 0) {
                    head.clear();
                    in.readFully(head.array());
                    int d = head.getInt(0);
                    if (d != dim) {
                        throw new IOException(path + ": row " + r + " has dimension " + d + ", expected " + dim);
                    }
                }
                buf.clear();
                try {
                    in.readFully(buf.array());
                } catch (EOFException e) {
                    throw new IOException(path + ": truncated in row " + r, e);
                }
                reader.read(buf, out, r * dim, dim);
            }
            return new Matrix<>(rows, dim, out);
        }
    }

    private static void write(Path path, int rows, int dim, int width, RowWriter writer) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            ByteBuffer buf = ByteBuffer.allocate(4 + dim * width).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                buf.clear();
                buf.putInt(dim);
                writer.write(buf, r);
                out.write(buf.array(), 0, buf.position());
            }
        }
    }
}
