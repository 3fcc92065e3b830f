package io.rabitq.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void writtenRowsReadBackIdentically() {
        Manifest m = TestBundles.publish(dir, 7, 3, 40_000); // several record batches per partition
        try (Bundle b = Bundle.open(dir)) {
            assertEquals("gen-000001", b.generation());
            assertEquals(m, b.manifest());
            assertEquals(120_000, b.manifest().rows());
            assertEquals("job-1", b.manifest().tags().get("lineage_id"));
            for (int p = 0; p < 3; p++) {
                PartitionData d = b.readPartition(p);
                assertTrue(d.raw().heapBytes() < 1_000, "raw vectors are mapped, not on the heap: " + d.raw().heapBytes());
                float[] raw = new float[TestBundles.DIM];
                Random rnd = new Random(7 * 31 + p);
                for (int r = 0; r < 40_000; r++) {
                    assertEquals(TestBundles.id(7, p, r), d.ids()[r]);
                    assertEquals((int) ((long) r * TestBundles.NLIST / 40_000), d.clusters()[r]);
                    byte[] code = new byte[8];
                    rnd.nextBytes(code);
                    assertArrayEquals(code, java.util.Arrays.copyOfRange(d.codes(), r * 8, r * 8 + 8));
                    d.raw().read(r, raw, 0);
                    for (int k = 0; k < TestBundles.DIM; k++) {
                        assertEquals((float) rnd.nextGaussian(), raw[k]);
                    }
                    assertEquals(-r, d.factors()[1][r]);
                }
                assertEquals(TestBundles.NLIST, d.ranges().size());
            }
            float[] c = b.readCentroids();
            assertEquals(7 + 5 * 0.5f, c[5]);
        }
    }

    @Test
    void publishedEntriesGetTheUmasksPermissionsNotOwnerOnly() throws Exception {
        TestBundles.publish(dir.resolve("b"), 3, 2, 100);
        Path plainDir = Files.createDirectory(dir.resolve("plain-dir"));
        Path plainFile = Files.createFile(dir.resolve("plain-file"));
        Path gen = dir.resolve("b").resolve("gen-000001");
        assertEquals(Files.getPosixFilePermissions(plainDir), Files.getPosixFilePermissions(gen));
        assertEquals(Files.getPosixFilePermissions(plainFile), Files.getPosixFilePermissions(dir.resolve("b").resolve(Bundles.CURRENT)));
        try (var files = Files.list(gen)) {
            for (Path f : files.toList()) {
                assertEquals(Files.getPosixFilePermissions(plainFile), Files.getPosixFilePermissions(f), f.toString());
            }
        }
    }

    @Test
    void sameDataGivesTheSameWitnessAndAnyChangeAnother() {
        Manifest a = TestBundles.publish(dir.resolve("a"), 3, 2, 500);
        Manifest b = TestBundles.publish(dir.resolve("b"), 3, 2, 500);
        Manifest c = TestBundles.publish(dir.resolve("c"), 4, 2, 500);
        assertEquals(a.witness(), b.witness());
        assertNotEquals(a.witness(), c.witness());
        assertTrue(a.witness().matches("[0-9a-f]{64}"));
    }

    @Test
    void witnessIsTheSha256OfTheDocumentedCanonicalText() {
        Manifest m = new Manifest(1, 4, 64, "l2", 1, "fht_kac", 42, 2, java.util.Map.of("nprobe", "1"), List.of("f_add"), false,
                "file:///t", "7", new Manifest.FileEntry("centroids.arrow", 10, "0".repeat(64)),
                List.of(new Manifest.PartitionEntry("part-00000.arrow", 3, 20, "1".repeat(64),
                        List.of(new Manifest.ClusterRange(0, 0, 2), new Manifest.ClusterRange(1, 2, 1)))),
                java.util.Map.of("pii", "none"), "");
        String canonical = "rabitq-bundle-witness-v1\nformat_version=1\ndim=4\npadded_dim=64\nmetric=l2\nbits=1\n"
                + "rotation.kind=fht_kac\nrotation.seed=42\nnlist=2\nparam.nprobe=1\nfactor_columns=f_add\nhas_raw=false\n"
                + "source.ref=file:///t\nsource.version=7\ncentroids=centroids.arrow:10:" + "0".repeat(64) + "\n"
                + "partition.0=part-00000.arrow:3:20:" + "1".repeat(64) + "\npartition.0.clusters=0:0:2;1:2:1\n";
        assertEquals(canonical, Witness.canonical(m));
        assertEquals(Witness.sha256Hex(canonical.getBytes(StandardCharsets.UTF_8)), Witness.of(m));
        assertEquals(WITNESS_TEST_VECTOR, Witness.of(m));
    }

    /** Computed independently with sha256sum over the canonical text above. */
    static final String WITNESS_TEST_VECTOR = "e3164c12c973e2a9e914865d9a97a5018afb4e5e4d674e340ff646b3794fd0d5";

    @Test
    void refreshSeesNewGenerationsAndMissingBundles() {
        TestBundles.publish(dir, 1, 1, 10);
        try (Bundle b = Bundle.open(dir)) {
            assertEquals(Bundles.RefreshStatus.UP_TO_DATE, b.refresh().status());
            TestBundles.publish(dir, 2, 1, 10);
            Bundles.RefreshResult r = b.refresh();
            assertEquals(Bundles.RefreshStatus.CHANGED, r.status());
            assertEquals("gen-000002", r.generation());
            assertEquals(TestBundles.id(1, 0, 0), b.readPartition(0).ids()[0], "an open bundle keeps reading its generation");
        }
        assertEquals(Bundles.RefreshStatus.MISSING, Bundles.refresh(dir.resolve("nowhere"), "gen-000001").status());
    }

    @Test
    void retentionKeepsTheLiveAndOpenGenerations() throws Exception {
        for (int t = 1; t <= 4; t++) {
            TestBundles.publish(dir, t, 1, 10);
        }
        try (Bundle held = Bundle.open(dir, "gen-000001", Bundle.Verification.FULL)) {
            List<String> deleted = Bundles.retain(dir, 1);
            assertEquals(List.of("gen-000003", "gen-000002"), deleted);
            assertTrue(Files.exists(dir.resolve("gen-000001")), "a generation a reader holds is kept");
            assertEquals(TestBundles.id(1, 0, 3), held.readPartition(0).ids()[3]);
        }
        assertEquals(List.of("gen-000001"), Bundles.retain(dir, 1));
        try (Bundle live = Bundle.open(dir)) {
            assertEquals("gen-000004", live.generation());
        }
        assertThrows(BundleException.class, () -> Bundles.retain(dir, 0));
    }

    @Test
    void anAbandonedWriteLeavesNothingAndTheLiveGenerationUntouched() throws Exception {
        TestBundles.publish(dir, 1, 1, 10);
        try (GenerationWriter g = GenerationWriter.begin(dir, TestBundles.spec("x"))) {
            try (PartitionWriter w = g.openPartition()) {
                w.append(1, 0, new byte[8], new float[4], new float[TestBundles.DIM]);
            }
            // no publish
        }
        try (var s = Files.list(dir)) {
            assertEquals(List.of("CURRENT", "PUBLISH.lock", "gen-000001"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void writerRejectsBadRows() {
        try (GenerationWriter g = GenerationWriter.begin(dir, TestBundles.spec("x")); PartitionWriter w = g.openPartition()) {
            w.append(1, 2, new byte[8], new float[4], new float[TestBundles.DIM]);
            assertThrows(BundleException.class, () -> w.append(2, 1, new byte[8], new float[4], new float[TestBundles.DIM]));
            assertThrows(BundleException.class, () -> w.append(2, 99, new byte[8], new float[4], new float[TestBundles.DIM]));
            assertThrows(BundleException.class, () -> w.append(2, 3, new byte[7], new float[4], new float[TestBundles.DIM]));
            assertThrows(BundleException.class, () -> w.append(2, 3, new byte[8], new float[3], new float[TestBundles.DIM]));
            assertThrows(BundleException.class, () -> w.append(2, 3, new byte[8], new float[4], null));
        }
    }
}
