package io.rabitq.lake;

import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.engine.FileReadResult;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Directories of Parquet files under a root, one collection per subdirectory, each file with an id column
 * ({@code bigint}) and a vector column ({@code array<float>} or {@code array<double>}). The generation is a hash
 * of the file listing (names, sizes, modification times), so adding, removing or rewriting a file changes it.
 */
public final class ParquetBackend implements BackendAdapter {
    private final String id;
    private final Path root;
    private final String idCol;
    private final String vectorCol;
    private final org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    private final Engine engine = DefaultEngine.create(conf);

    public ParquetBackend(String id, Path root, String idCol, String vectorCol) {
        this.id = id;
        this.root = root.toAbsolutePath();
        this.idCol = idCol;
        this.vectorCol = vectorCol;
    }

    private List<Path> files(String collection) {
        Path d = root.resolve(collection).normalize();
        if (collection.isEmpty() || !d.getParent().equals(root) || !Files.isDirectory(d)) {
            throw new LakeException.UnknownCollection(id, collection, "no directory " + d);
        }
        try (Stream<Path> s = Files.list(d)) {
            List<Path> out = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".parquet") && !n.startsWith(".") && !n.startsWith("_") && Files.isRegularFile(p);
            }).sorted().toList();
            if (out.isEmpty()) {
                throw new LakeException.UnknownCollection(id, collection, "no .parquet files in " + d);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + d, e);
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public List<String> listCollections() {
        return Directories.collections(root, p -> {
            try {
                return !files(p.getFileName().toString()).isEmpty();
            } catch (LakeException e) {
                return false;
            }
        });
    }

    @Override
    public String generation(String collection) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path f : files(collection)) {
                md.update((f.getFileName() + "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat the files of collection '" + collection + "'", e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void pull(String collection, String generation, Consumer<VectorBatch> sink) {
        for (Path f : files(collection)) {
            String where = "Parquet file " + f;
            StructType schema = new StructType().add(idCol, LongType.LONG, true).add(vectorCol, new ArrayType(elementType(f, where), true), true);
            try (CloseableIterator<FileReadResult> data = engine.getParquetHandler().readParquetFiles(
                    Utils.singletonCloseableIterator(FileStatus.of(f.toString(), Files.size(f), Files.getLastModifiedTime(f).toMillis())),
                    schema, Optional.empty())) {
                while (data.hasNext()) {
                    VectorBatch b = KernelVectors.convert(new FilteredColumnarBatch(data.next().getData(), Optional.empty()), where);
                    if (b != null) {
                        sink.accept(b);
                    }
                }
            } catch (IOException e) {
                throw new LakeException("cannot read " + where + ": " + e.getMessage(), e);
            }
        }
    }

    /** Float or double, from the file's footer: the Parquet reader needs the exact element type. */
    private io.delta.kernel.types.DataType elementType(Path f, String where) {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f.toUri()), conf))) {
            org.apache.parquet.schema.MessageType s = r.getFooter().getFileMetaData().getSchema();
            if (!s.containsField(idCol) || !s.containsField(vectorCol)) {
                throw new LakeException(where + " lacks column '" + idCol + "' or '" + vectorCol + "' (schema: " + s + ")");
            }
            Type t = s.getType(vectorCol);
            while (!t.isPrimitive()) {
                t = t.asGroupType().getType(0);
            }
            PrimitiveType.PrimitiveTypeName p = t.asPrimitiveType().getPrimitiveTypeName();
            if (p == PrimitiveType.PrimitiveTypeName.FLOAT) {
                return FloatType.FLOAT;
            }
            if (p == PrimitiveType.PrimitiveTypeName.DOUBLE) {
                return DoubleType.DOUBLE;
            }
            throw new LakeException(where + ": vector column '" + vectorCol + "' holds " + p + "; it must be array<float> or array<double>");
        } catch (IOException e) {
            throw new LakeException("cannot read the footer of " + where + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String dataRef(String collection) {
        return "parquet://" + root.resolve(collection);
    }
}
