package io.rabitq.jobs;

import static org.apache.spark.sql.functions.lit;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.Vectors;
import io.rabitq.spark.InvalidInputException;
import io.rabitq.spark.JobPhase;
import io.rabitq.spark.RabitqSearch;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code search}: a query table against a bundle, results written to a Delta table. */
@Command(name = "search", sortOptions = false,
        description = {"Search a query table against a bundle (searchBatch); results go to a Delta table: query_id, neighbors",
            "(array of id and distance, nearest first), the query table's other columns, and the answer's lineage:",
            "bundle_generation, bundle_witness and source_version (the table version the bundle was built from)."})
final class SearchCommand implements Callable<Integer> {
    @Option(names = "--queries", required = true, paramLabel = "TABLE", description = "Delta table or Parquet directory of queries")
    String queries;
    @Option(names = "--version", paramLabel = "V", description = "Delta version of the queries (default: the latest)")
    String version;
    @Option(names = {"--query-id-col", "--id-col"}, defaultValue = "query_id",
            description = "query id column, as in evaluate (default: ${DEFAULT-VALUE}; --id-col is the same, for earlier scripts)")
    String idCol;
    @Option(names = {"--query-vector-col", "--vector-col"}, defaultValue = "query",
            description = "query vector column, as in evaluate (default: ${DEFAULT-VALUE}; --vector-col is the same, for earlier scripts)")
    String vectorCol;
    @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "bundle to search")
    String bundle;
    @Option(names = "--output", required = true, paramLabel = "PATH", description = "Delta table to write the neighbours to")
    String output;
    @Option(names = "--k", defaultValue = "10", description = "neighbours per query (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--nprobe", defaultValue = "0", description = "clusters probed per query (default: 0 = the bundle's default)")
    int nprobe;
    @Option(names = "--recall", paramLabel = "R", description = "instead of --nprobe: the recall@10 wanted, e.g. 0.95; the bundle's "
            + "recall curve (measured at index time) gives the smallest nprobe that reaches it")
    Double recall;
    @Option(names = "--exact", description = "require exact distances: refused unless the bundle keeps raw vectors "
            + "(index with --store-raw); without them distances are the codes' estimates")
    boolean exact;
    @Option(names = "--mode", defaultValue = "errorifexists",
            description = "when --output exists: errorifexists, overwrite or append (default: ${DEFAULT-VALUE})")
    String mode;

    @Override
    public Integer call() {
        Manifest m = checkBeforeSpark();
        int probes = probes(m, bundle, nprobe, recall);
        SparkSession spark = Sessions.get("spark-rabitq search");
        try {
            long t0 = System.nanoTime();
            Dataset<Row> q = Sessions.read(spark, queries, version).rows();
            Dataset<Row> found = RabitqSearch.searchBatch(q, idCol, vectorCol, bundle, k, probes);
            RabitqSearch.Lineage l = RabitqSearch.lineage(found).orElseThrow();
            JobPhase.run(spark.sparkContext(), String.format("search: %s against %s (k=%d)", queries, bundle, k),
                    () -> {
                        withLineage(found, l).write().format("delta").mode(mode).save(output);
                        return null;
                    });
            long rows = spark.read().format("delta").load(output).count();
            Phases.line("searched %s against %s (k=%d); results in Delta table %s (%d rows)", t0, queries, bundle, k, output, rows);
            new Json().put("output", output).put("rows", rows).put("k", k).put("nprobe", probes)
                    .put("distances", m.hasRaw() ? "exact" : "estimated").put("bundle_generation", l.generation())
                    .put("bundle_witness", l.witness()).print();
            return 0;
        } finally {
            spark.stop();
        }
    }

    /**
     * The search result (the query rows' other columns included) with the lineage of the answer: which generation of
     * which bundle answered, its witness and the source table version it was built from.
     */
    private static Dataset<Row> withLineage(Dataset<Row> found, RabitqSearch.Lineage l) {
        for (String c : List.of("bundle_generation", "bundle_witness", "source_version")) {
            if (List.of(found.columns()).contains(c)) {
                throw new InvalidInputException("the query table has a column '" + c + "', which search writes itself; rename it");
            }
        }
        return found.withColumn("bundle_generation", lit(l.generation())).withColumn("bundle_witness", lit(l.witness()))
                .withColumn("source_version", lit(l.sourceVersion()));
    }

    /**
     * What can be wrong without Spark: k, nprobe, the mode, an output that exists, a bundle that does not open, exact
     * distances from a bundle without raw vectors. Returns the bundle's manifest.
     */
    private Manifest checkBeforeSpark() {
        Vectors.checkK(k);
        Vectors.checkNprobeOrDefault(nprobe);
        Sessions.checkOutput(output, mode);
        Manifest m = manifestBeforeSpark(bundle);
        if (exact && !m.hasRaw()) {
            throw new InvalidInputException("--exact: bundle " + bundle + " keeps no raw vectors, so its distances are estimates "
                    + "of its codes; index with --store-raw for exact distances, or search without --exact");
        }
        return m;
    }

    /**
     * The nprobe a search uses: {@code --nprobe}, or the one the bundle's recall curve gives for {@code --recall}, or 0
     * (the bundle's default); both at once is refused.
     */
    static int probes(Manifest m, String bundle, int nprobe, Double recall) {
        Vectors.checkNprobeOrDefault(nprobe);
        if (recall == null) {
            return nprobe;
        }
        if (nprobe > 0) {
            throw new InvalidInputException("give --nprobe or --recall, not both");
        }
        return RabitqSearch.nprobeForRecall(m, bundle, recall);
    }

    /** The manifest of the live generation of {@code bundle} (quick verification), or an error that names the bundle. */
    static Manifest manifestBeforeSpark(String bundle) {
        try (Bundle b = Bundle.open(Path.of(bundle), Bundle.Verification.QUICK)) {
            return b.manifest();
        } catch (BundleException e) {
            throw new InvalidInputException("bundle " + bundle + " cannot be searched: " + e.getMessage(), e);
        }
    }
}
