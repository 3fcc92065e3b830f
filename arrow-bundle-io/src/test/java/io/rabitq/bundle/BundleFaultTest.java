package io.rabitq.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way a bundle can be damaged or forged is refused with an error naming the file or field. */
class BundleFaultTest {
    @TempDir
    Path dir;
    Path gen;
    Manifest manifest;

    @BeforeEach
    void publish() {
        manifest = TestBundles.publish(dir, 5, 2, 3000);
        gen = dir.resolve("gen-000001");
    }

    private Path part0() {
        return gen.resolve("part-00000.arrow");
    }

    /** Rewrites the manifest through a text edit, optionally re-signing it with a correct witness. */
    private void editManifest(UnaryOperator<String> edit) throws Exception {
        Path p = gen.resolve(Bundles.MANIFEST);
        Files.writeString(p, edit.apply(Files.readString(p)));
    }

    private void forge(UnaryOperator<Manifest> change) throws Exception {
        Files.write(gen.resolve(Bundles.MANIFEST), ManifestCodec.write(change.apply(manifest).withWitness()));
    }

    private CorruptBundleException refused(Bundle.Verification v) {
        return assertThrows(CorruptBundleException.class, () -> Bundle.open(dir, v).close());
    }

    @Test
    void flippedByteIsCaughtByFullVerification() throws Exception {
        byte[] b = Files.readAllBytes(part0());
        b[b.length / 2] ^= 0x10;
        Files.write(part0(), b);
        CorruptBundleException e = refused(Bundle.Verification.FULL);
        assertEquals(part0(), e.file());
        assertTrue(e.getMessage().contains("content hash"), e.getMessage());
    }

    @Test
    void truncatedFileIsCaughtByBothModes() throws Exception {
        byte[] b = Files.readAllBytes(part0());
        Files.write(part0(), java.util.Arrays.copyOf(b, b.length - 100));
        for (Bundle.Verification v : Bundle.Verification.values()) {
            CorruptBundleException e = refused(v);
            assertEquals(part0(), e.file());
            assertTrue(e.getMessage().contains("bytes"), e.getMessage());
        }
    }

    @Test
    void missingFileIsNamed() throws Exception {
        Files.delete(gen.resolve("centroids.arrow"));
        CorruptBundleException e = refused(Bundle.Verification.QUICK);
        assertTrue(e.file().endsWith("centroids.arrow"), e.getMessage());
        assertTrue(e.getMessage().contains("missing"));
    }

    @Test
    void editedManifestFailsTheWitness() throws Exception {
        editManifest(s -> s.replace("\"rows\" : 3000", "\"rows\" : 2999"));
        CorruptBundleException e = refused(Bundle.Verification.QUICK);
        assertTrue(e.getMessage().contains("witness"), e.getMessage());
    }

    @Test
    void reSignedManifestWithWrongRowCountFailsOnRead() throws Exception {
        forge(m -> withPartition(m, 0, p -> new Manifest.PartitionEntry(p.file(), p.rows() + 1, p.bytes(), p.sha256(),
                lastRangePlusOne(p.clusters()))));
        try (Bundle b = Bundle.open(dir)) {
            CorruptBundleException e = assertThrows(CorruptBundleException.class, () -> b.readPartition(0));
            assertTrue(e.getMessage().contains("3000 rows"), e.getMessage());
        }
    }

    @Test
    void reSignedManifestWithWrongHashFailsFullVerification() throws Exception {
        forge(m -> withPartition(m, 1, p -> new Manifest.PartitionEntry(p.file(), p.rows(), p.bytes(), "ab".repeat(32), p.clusters())));
        CorruptBundleException e = refused(Bundle.Verification.FULL);
        assertTrue(e.file().endsWith("part-00001.arrow"));
    }

    @Test
    void clusterRangesThatLieAreCaught() throws Exception {
        forge(m -> withPartition(m, 0, p -> {
            List<Manifest.ClusterRange> r = new ArrayList<>(p.clusters());
            Manifest.ClusterRange a = r.get(0);
            Manifest.ClusterRange b = r.get(1);
            r.set(0, new Manifest.ClusterRange(a.cluster(), 0, a.rows() + 1));
            r.set(1, new Manifest.ClusterRange(b.cluster(), a.rows() + 1, b.rows() - 1));
            return new Manifest.PartitionEntry(p.file(), p.rows(), p.bytes(), p.sha256(), r);
        }));
        try (Bundle b = Bundle.open(dir)) {
            CorruptBundleException e = assertThrows(CorruptBundleException.class, () -> b.readPartition(0));
            assertTrue(e.getMessage().contains("cluster"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escape.arrow", "/etc/passwd", "sub/part.arrow", "back\\\\slash", "nul\\u0000byte", ".hidden", "..", ""})
    void unsafeFileNamesAreRefused(String name) throws Exception {
        editManifest(s -> s.replace("\"part-00000.arrow\"", "\"" + name + "\""));
        CorruptBundleException e = refused(Bundle.Verification.QUICK);
        assertTrue(e.getMessage().contains("partitions[0].file"), e.getMessage());
    }

    @Test
    void overLongNamesAreRefused() throws Exception {
        editManifest(s -> s.replace("\"part-00000.arrow\"", "\"" + "p".repeat(200) + "\""));
        assertTrue(refused(Bundle.Verification.QUICK).getMessage().contains("unsafe file name"));
    }

    @Test
    void currentMustNameAGeneration() throws Exception {
        for (String bad : new String[] {"../../etc", "/tmp/gen-000001", "gen-1", "gen-000001/../x"}) {
            Files.writeString(dir.resolve(Bundles.CURRENT), bad + "\n");
            CorruptBundleException e = refused(Bundle.Verification.QUICK);
            assertTrue(e.getMessage().contains("does not name a generation"), e.getMessage());
        }
        Files.delete(dir.resolve(Bundles.CURRENT));
        assertTrue(refused(Bundle.Verification.QUICK).getMessage().contains("no published generation"));
    }

    @Test
    void malformedOrOversizedJsonIsRefusedWithTheFieldNamed() throws Exception {
        editManifest(s -> s.substring(0, s.length() / 2));
        assertTrue(refused(Bundle.Verification.QUICK).getMessage().contains("not valid JSON"));
        Files.write(gen.resolve(Bundles.MANIFEST), ManifestCodec.write(manifest));
        editManifest(s -> s.replace("\"dim\" : 12", "\"dim\" : \"twelve\""));
        assertTrue(refused(Bundle.Verification.QUICK).getMessage().contains("'dim' must be an integer"));
        Files.write(gen.resolve(Bundles.MANIFEST), ManifestCodec.write(manifest));
        editManifest(s -> s.replace("\"nlist\" : 6,", ""));
        assertTrue(refused(Bundle.Verification.QUICK).getMessage().contains("'nlist' is missing"));
        Files.write(gen.resolve(Bundles.MANIFEST), ManifestCodec.write(manifest));
        editManifest(s -> s.replace("\"dim\" : 12,", "\"dim\" : 12, \"surprise\" : 1,"));
        assertTrue(refused(Bundle.Verification.QUICK).getMessage().contains("unknown manifest field 'surprise'"));
        byte[] huge = new byte[ManifestCodec.MAX_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        Files.write(gen.resolve(Bundles.MANIFEST), huge);
        assertTrue(refused(Bundle.Verification.QUICK).getMessage().contains("larger than"));
    }

    @Test
    void newerFormatVersionsAreRefusedWithAnUpgradeHint() throws Exception {
        editManifest(s -> s.replace("\"format_version\" : 1", "\"format_version\" : 4"));
        BundleException e = assertThrows(BundleException.class, () -> Bundle.open(dir).close());
        assertTrue(e.getMessage().contains("upgrade"), e.getMessage());
    }

    @Test
    void aVersionThatContradictsTheCodeLengthIsRefused() throws Exception {
        editManifest(s -> s.replace("\"format_version\" : 1", "\"format_version\" : 2"));
        BundleException e = assertThrows(BundleException.class, () -> Bundle.open(dir).close());
        assertTrue(e.getMessage().contains("does not match bits 1"), e.getMessage());
    }

    @Test
    void aBundleThatDoesNotExistIsAClearError() {
        BundleException e = assertThrows(BundleException.class, () -> Bundle.open(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("does not exist"));
    }

    @Test
    void theUndamagedBundleOpensInBothModes() {
        for (Bundle.Verification v : Bundle.Verification.values()) {
            try (Bundle b = Bundle.open(dir, v)) {
                assertEquals(3000, b.readPartition(1).rows());
            }
        }
    }

    private static Manifest withPartition(Manifest m, int i, UnaryOperator<Manifest.PartitionEntry> f) {
        List<Manifest.PartitionEntry> parts = new ArrayList<>(m.partitions());
        parts.set(i, f.apply(parts.get(i)));
        return new Manifest(m.formatVersion(), m.dim(), m.paddedDim(), m.metric(), m.bits(), m.rotationKind(), m.rotationSeed(),
                m.nlist(), m.params(), m.factorColumns(), m.hasRaw(), m.sourceRef(), m.sourceVersion(), m.centroids(), parts, m.tags(), "");
    }

    private static List<Manifest.ClusterRange> lastRangePlusOne(List<Manifest.ClusterRange> r) {
        List<Manifest.ClusterRange> out = new ArrayList<>(r);
        Manifest.ClusterRange last = out.get(out.size() - 1);
        out.set(out.size() - 1, new Manifest.ClusterRange(last.cluster(), last.firstRow(), last.rows() + 1));
        return out;
    }
}
