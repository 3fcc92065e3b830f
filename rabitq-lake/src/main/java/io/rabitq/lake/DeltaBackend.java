package io.rabitq.lake;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.engine.FileReadResult;
import io.delta.kernel.exceptions.TableNotFoundException;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Delta tables under a root directory, one collection per table subdirectory; the generation is the table
 * version, and a pull reads exactly that version (deletion vectors applied). Read with Delta Kernel, without
 * Spark.
 */
public final class DeltaBackend implements BackendAdapter {
    private final String id;
    private final Path root;
    private final String idCol;
    private final String vectorCol;
    private final Engine engine = DefaultEngine.create(new org.apache.hadoop.conf.Configuration());

    public DeltaBackend(String id, Path root, String idCol, String vectorCol) {
        this.id = id;
        this.root = root.toAbsolutePath();
        this.idCol = idCol;
        this.vectorCol = vectorCol;
    }

    private Path dir(String collection) {
        Path d = root.resolve(collection).normalize();
        if (collection.isEmpty() || !d.getParent().equals(root) || !Files.isDirectory(d.resolve("_delta_log"))) {
            throw new LakeException.UnknownCollection(id, collection, "no Delta table at " + d);
        }
        return d;
    }

    private Snapshot snapshot(String collection, String version) {
        try {
            Table t = Table.forPath(engine, dir(collection).toString());
            return version == null ? t.getLatestSnapshot(engine) : t.getSnapshotAsOfVersion(engine, Long.parseLong(version));
        } catch (TableNotFoundException e) {
            throw new LakeException.UnknownCollection(id, collection, "no Delta table at " + dir(collection));
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public List<String> listCollections() {
        return Directories.collections(root, p -> Files.isDirectory(p.resolve("_delta_log")));
    }

    @Override
    public String generation(String collection) {
        return Long.toString(snapshot(collection, null).getVersion());
    }

    @Override
    public void pull(String collection, String generation, Consumer<VectorBatch> sink) {
        Snapshot snap = snapshot(collection, generation);
        String where = "Delta table " + dir(collection) + " version " + snap.getVersion();
        Scan scan = snap.getScanBuilder().withReadSchema(KernelVectors.readSchema(snap.getSchema(), idCol, vectorCol, where)).build();
        Row state = scan.getScanState(engine);
        StructType physical = ScanStateRow.getPhysicalDataReadSchema(state);
        try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(engine)) {
            while (files.hasNext()) {
                try (CloseableIterator<Row> rows = files.next().getRows()) {
                    while (rows.hasNext()) {
                        Row file = rows.next();
                        CloseableIterator<io.delta.kernel.data.ColumnarBatch> data = engine.getParquetHandler()
                                .readParquetFiles(Utils.singletonCloseableIterator(InternalScanFileUtils.getAddFileStatus(file)), physical,
                                        Optional.empty())
                                .map(FileReadResult::getData);
                        try (CloseableIterator<FilteredColumnarBatch> logical = Scan.transformPhysicalData(engine, state, file, data)) {
                            while (logical.hasNext()) {
                                VectorBatch b = KernelVectors.convert(logical.next(), where);
                                if (b != null) {
                                    sink.accept(b);
                                }
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new LakeException("cannot read " + where + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String dataRef(String collection) {
        return "delta://" + dir(collection);
    }
}
