package io.rabitq.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetExchangeTest {
    @TempDir
    Path dir;

    @Test
    void exportThenImportReproducesTheGenerationByteForByte() {
        Manifest original = TestBundles.publish(dir.resolve("a"), 9, 2, 20_000);
        try (Bundle b = Bundle.open(dir.resolve("a"))) {
            assertEquals(3, ParquetExchange.export(b, dir.resolve("pq")).size());
        }
        Manifest imported = ParquetExchange.importInto(dir.resolve("pq"), dir.resolve("b"));
        assertEquals(original.witness(), imported.witness(), "same rows give the same bytes and the same witness");
        try (Bundle a = Bundle.open(dir.resolve("a")); Bundle b = Bundle.open(dir.resolve("b"))) {
            for (int p = 0; p < 2; p++) {
                PartitionData x = a.readPartition(p);
                PartitionData y = b.readPartition(p);
                assertArrayEquals(x.ids(), y.ids());
                assertArrayEquals(x.codes(), y.codes());
                assertArrayEquals(x.raw().toArray(), y.raw().toArray());
            }
            assertArrayEquals(a.readCentroids(), b.readCentroids());
        }
    }

    @Test
    void aParquetFileWithMissingRowsIsRefused() throws Exception {
        TestBundles.publish(dir.resolve("a"), 9, 2, 500);
        Path other = dir.resolve("other");
        TestBundles.publish(other, 10, 2, 400);
        try (Bundle b = Bundle.open(dir.resolve("a")); Bundle o = Bundle.open(other)) {
            ParquetExchange.export(b, dir.resolve("pq"));
            ParquetExchange.export(o, dir.resolve("pq-other"));
        }
        Files.copy(dir.resolve("pq-other/part-00001.parquet"), dir.resolve("pq/part-00001.parquet"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CorruptBundleException e = assertThrows(CorruptBundleException.class,
                () -> ParquetExchange.importInto(dir.resolve("pq"), dir.resolve("b")));
        assertTrue(e.getMessage().contains("part-00001.parquet"), e.getMessage());
        assertTrue(Bundles.currentGeneration(dir.resolve("b")).isEmpty(), "nothing was published");
    }

    @Test
    void alteredParquetRowsAreRefused() throws Exception {
        TestBundles.publish(dir.resolve("a"), 9, 1, 300);
        try (Bundle b = Bundle.open(dir.resolve("a"))) {
            ParquetExchange.export(b, dir.resolve("pq"));
        }
        // same shape, different values: the centroids of another publish
        Path other = dir.resolve("o");
        TestBundles.publish(other, 11, 1, 300);
        try (Bundle o = Bundle.open(other)) {
            ParquetExchange.export(o, dir.resolve("pq-o"));
        }
        Files.copy(dir.resolve("pq-o/centroids.parquet"), dir.resolve("pq/centroids.parquet"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CorruptBundleException e = assertThrows(CorruptBundleException.class,
                () -> ParquetExchange.importInto(dir.resolve("pq"), dir.resolve("b")));
        assertTrue(e.getMessage().contains("witness"), e.getMessage());
        assertTrue(Bundles.currentGeneration(dir.resolve("b")).isEmpty());
    }
}
