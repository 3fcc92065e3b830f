package io.rabitq.jobs;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.ParquetExchange;
import io.rabitq.spark.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code export}: a bundle's live generation as Parquet files, for readers without an Arrow IPC reader. No Spark. */
@Command(name = "export", sortOptions = false,
        description = {"Write a bundle's live generation as Parquet (manifest.json, centroids.parquet, one part-NNNNN.parquet per",
            "partition) that DuckDB, pyarrow or spark.read.parquet read; the bundle is verified first. No Spark job."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "bundle to export")
    String bundle;
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "directory to write (must not exist or be empty)")
    String output;

    @Override
    public Integer call() throws IOException {
        Path out = Path.of(output);
        if (Files.isDirectory(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidInputException("--output " + output + " is not empty; choose a new directory");
                }
            }
        } else if (Files.exists(out)) {
            throw new InvalidInputException("--output " + output + " is a file; choose a new directory");
        }
        long t0 = System.nanoTime();
        try (Bundle b = Bundle.open(Path.of(bundle))) {
            List<Path> files = ParquetExchange.export(b, out);
            Phases.line("exported %s %s (%d rows) to %d Parquet files in %s", t0, bundle, b.generation(), b.manifest().rows(),
                    files.size(), output);
            new Json().put("output", output).put("generation", b.generation()).put("witness", b.manifest().witness())
                    .put("rows", b.manifest().rows()).put("files", files.size()).put("has_raw", b.manifest().hasRaw()).print();
            return 0;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
