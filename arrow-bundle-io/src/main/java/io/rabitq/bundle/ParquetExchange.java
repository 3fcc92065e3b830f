package io.rabitq.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Exports a bundle generation as Parquet (the lakehouse format) and imports it back. The export directory
 * holds the generation's {@code manifest.json}, {@code centroids.parquet} and one {@code part-NNNNN.parquet} per
 * partition with the Arrow schema's columns: {@code id int64, cluster int32, code fixed_len_byte_array,
 * f_* float, raw list<float>} ({@code spark.read.parquet} reads {@code raw} as {@code array<float>}).
 * Import rewrites the Arrow generation from the Parquet rows and publishes it only if it reproduces the
 * exported witness (writing is deterministic, so a faithful copy does): altered Parquet rows are refused.
 */
public final class ParquetExchange {
    private ParquetExchange() {
    }

    static MessageType partitionSchema(Manifest m) {
        Types.GroupBuilder<MessageType> b = Types.buildMessage()
                .required(PrimitiveTypeName.INT64).named(PartitionSchema.ID)
                .required(PrimitiveTypeName.INT32).named(PartitionSchema.CLUSTER)
                .required(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY).length(m.codeBytes()).named(PartitionSchema.CODE);
        for (String f : m.factorColumns()) {
            b.required(PrimitiveTypeName.FLOAT).named(f);
        }
        if (m.hasRaw()) {
            b.addField(floatList(PartitionSchema.RAW));
        }
        return b.named("rabitq_partition");
    }

    static MessageType centroidSchema() {
        return Types.buildMessage().addField(floatList(PartitionSchema.CENTROID)).named("rabitq_centroids");
    }

    private static Type floatList(String name) {
        return Types.requiredGroup().as(LogicalTypeAnnotation.listType())
                .repeatedGroup().required(PrimitiveTypeName.FLOAT).named("element").named("list").named(name);
    }

    /** Writes the generation held by {@code bundle} to {@code outDir} as Parquet; returns the files written. */
    public static List<Path> export(Bundle bundle, Path outDir) {
        Manifest m = bundle.manifest();
        if (m.hasDeletes()) {
            throw new BundleException(bundle.directory() + " " + bundle.generation() + " has deleted rows, which the Parquet "
                    + "exchange does not carry; compact it first (bin/spark-rabitq reindex --compact)");
        }
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(outDir);
            Files.write(outDir.resolve(Bundles.MANIFEST), ManifestCodec.write(m));
            float[] centroids = bundle.readCentroids();
            Path cp = outDir.resolve("centroids.parquet");
            try (ParquetWriter<Group> w = writer(cp, centroidSchema(), PartitionSchema.centroids(m.dim()))) {
                SimpleGroupFactory g = new SimpleGroupFactory(centroidSchema());
                for (int c = 0; c < m.nlist(); c++) {
                    Group row = g.newGroup();
                    addList(row.addGroup(PartitionSchema.CENTROID), centroids, c * m.dim(), m.dim());
                    w.write(row);
                }
            }
            files.add(cp);
            MessageType schema = partitionSchema(m);
            Schema arrowSchema = PartitionSchema.partition(m.dim(), m.codeBytes(), m.factorColumns(), m.hasRaw());
            SimpleGroupFactory g = new SimpleGroupFactory(schema);
            int cb = m.codeBytes();
            float[] raw = new float[m.dim()];
            for (int p = 0; p < m.partitions().size(); p++) {
                PartitionData d = bundle.readPartition(p);
                Path file = outDir.resolve(String.format("part-%05d.parquet", p));
                try (ParquetWriter<Group> w = writer(file, schema, arrowSchema)) {
                    for (int r = 0; r < d.rows(); r++) {
                        Group row = g.newGroup()
                                .append(PartitionSchema.ID, d.ids()[r])
                                .append(PartitionSchema.CLUSTER, d.clusters()[r])
                                .append(PartitionSchema.CODE, Binary.fromConstantByteArray(d.codes(), r * cb, cb));
                        for (int f = 0; f < m.factorColumns().size(); f++) {
                            row.append(m.factorColumns().get(f), d.factors()[f][r]);
                        }
                        if (m.hasRaw()) {
                            d.raw().read(r, raw, 0);
                            addList(row.addGroup(PartitionSchema.RAW), raw, 0, m.dim());
                        }
                        w.write(row);
                    }
                }
                files.add(file);
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export " + bundle + " to " + outDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Publishes the Parquet export in {@code exportDir} as a new generation of {@code bundleDir}, checking every
     * file against the exported manifest's schema and row counts. Returns the new manifest.
     */
    public static Manifest importInto(Path exportDir, Path bundleDir) {
        Path manifestPath = exportDir.resolve(Bundles.MANIFEST);
        try {
            Manifest m = ManifestCodec.read(manifestPath, Files.readAllBytes(manifestPath));
            if (!Witness.of(m).equals(m.witness())) {
                throw new CorruptBundleException(manifestPath, "witness does not match the manifest's fields");
            }
            BundleSpec spec = new BundleSpec(m.dim(), m.paddedDim(), m.metric(), m.bits(), m.rotationKind(), m.rotationSeed(),
                    m.nlist(), m.params(), m.factorColumns(), m.hasRaw(), m.sourceRef(), m.sourceVersion(), m.tags());
            try (GenerationWriter g = GenerationWriter.begin(bundleDir, spec)) {
                float[] centroids = new float[m.nlist() * m.dim()];
                long[] n = {0};
                Path cp = exportDir.resolve("centroids.parquet");
                readRows(cp, centroidSchema(), row -> {
                    if (n[0] >= m.nlist()) {
                        throw new CorruptBundleException(cp, "holds more than nlist=" + m.nlist() + " centroids");
                    }
                    readList(cp, row.getGroup(PartitionSchema.CENTROID, 0), centroids, (int) n[0]++ * m.dim(), m.dim());
                });
                if (n[0] != m.nlist()) {
                    throw new CorruptBundleException(cp, "holds " + n[0] + " centroids but nlist is " + m.nlist());
                }
                g.writeCentroids(centroids);
                MessageType schema = partitionSchema(m);
                for (int p = 0; p < m.partitions().size(); p++) {
                    Path file = exportDir.resolve(String.format("part-%05d.parquet", p));
                    long[] rows = {0};
                    try (PartitionWriter w = g.openPartition()) {
                        float[] factors = new float[m.factorColumns().size()];
                        float[] raw = m.hasRaw() ? new float[m.dim()] : null;
                        readRows(file, schema, row -> {
                            for (int f = 0; f < factors.length; f++) {
                                factors[f] = row.getFloat(m.factorColumns().get(f), 0);
                            }
                            if (raw != null) {
                                readList(file, row.getGroup(PartitionSchema.RAW, 0), raw, 0, m.dim());
                            }
                            w.append(row.getLong(PartitionSchema.ID, 0), row.getInteger(PartitionSchema.CLUSTER, 0),
                                    row.getBinary(PartitionSchema.CODE, 0).getBytes(), factors, raw);
                            rows[0]++;
                        });
                    }
                    if (rows[0] != m.partitions().get(p).rows()) {
                        throw new CorruptBundleException(file, "holds " + rows[0] + " rows but the manifest records " + m.partitions().get(p).rows());
                    }
                }
                return g.publishExpecting(m.witness());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import " + exportDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A Parquet writer whose footer also carries {@code arrow} as {@code ARROW:schema} (base64 of the IPC schema message,
     * as Arrow's own Parquet writer stores it), so Arrow readers such as pyarrow get the vector columns back as
     * {@code fixed_size_list<float>[dim]} instead of Parquet's variable-length list.
     */
    private static ParquetWriter<Group> writer(Path file, MessageType schema, Schema arrow) throws IOException {
        ByteArrayOutputStream ipc = new ByteArrayOutputStream();
        MessageSerializer.serialize(new WriteChannel(Channels.newChannel(ipc)), arrow);
        return ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
                .withType(schema).withExtraMetaData(Map.of("ARROW:schema", Base64.getEncoder().encodeToString(ipc.toByteArray()))).withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE).build();
    }

    private interface RowConsumer {
        void accept(Group row) throws IOException;
    }

    private static void readRows(Path file, MessageType expected, RowConsumer consumer) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CorruptBundleException(file, "is missing from the Parquet export");
        }
        try (ParquetReader<Group> reader = new GroupReaderBuilder(file).build()) {
            for (Group row; (row = reader.read()) != null; ) {
                if (!row.getType().equals(expected)) {
                    throw new CorruptBundleException(file, "has schema " + row.getType() + ", expected " + expected);
                }
                consumer.accept(row);
            }
        } catch (RuntimeException e) {
            if (e instanceof BundleException) {
                throw e;
            }
            throw new CorruptBundleException(file, "is not a readable Parquet file of this bundle: " + e.getMessage(), e);
        }
    }

    /** Reads {@link Group} rows from a local file without a Hadoop file system. */
    private static final class GroupReaderBuilder extends ParquetReader.Builder<Group> {
        GroupReaderBuilder(Path file) {
            super(new LocalInputFile(file), new PlainParquetConfiguration());
        }

        @Override
        protected org.apache.parquet.hadoop.api.ReadSupport<Group> getReadSupport() {
            return new GroupReadSupport();
        }
    }

    private static void addList(Group list, float[] values, int off, int n) {
        for (int i = 0; i < n; i++) {
            list.addGroup("list").append("element", values[off + i]);
        }
    }

    private static void readList(Path file, Group list, float[] out, int off, int n) {
        int count = list.getFieldRepetitionCount("list");
        if (count != n) {
            throw new CorruptBundleException(file, "holds a vector of " + count + " values, expected " + n);
        }
        for (int i = 0; i < n; i++) {
            out[off + i] = list.getGroup("list", i).getFloat("element", 0);
        }
    }
}
