package io.rabitq.bench;

import io.rabitq.datasets.VecsIO;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Lucene 10 peer (HNSW float32 / int7 / int4 / BBQ) in a second JVM: Lucene 10 needs JDK 21+ and uses its SIMD
 * code there, while the suite runs on the project's JDK 17. Writes the data as {@code .fvecs}, runs
 * {@code src/lucene10/Lucene10Peer.java} as a single-file program on the newest JDK 21+ found
 * ({@code LUCENE10_JAVA_HOME}, else {@code /usr/lib/jvm/*}), and turns its results into rows, recall computed here
 * like every other engine's.
 */
final class Lucene10 {
    static final String VERSION = "10.3.2";

    private Lucene10() {
    }

    /** The {@code java} launcher of a JDK 21+, or empty with the reason in {@code why[0]}. */
    static Optional<Path> java(String[] why) {
        String home = System.getenv("LUCENE10_JAVA_HOME");
        Stream<Path> candidates;
        try {
            candidates = home != null ? Stream.of(Path.of(home))
                    : Files.isDirectory(Path.of("/usr/lib/jvm")) ? Files.list(Path.of("/usr/lib/jvm")) : Stream.empty();
        } catch (IOException e) {
            candidates = Stream.empty();
        }
        Optional<Path> best = candidates.filter(p -> featureVersion(p) >= 21 && Files.isExecutable(p.resolve("bin/java")))
                .max(Comparator.comparingInt(Lucene10::featureVersion)).map(p -> p.resolve("bin/java"));
        if (best.isEmpty()) {
            why[0] = home != null ? "LUCENE10_JAVA_HOME=" + home + " is not a JDK 21+"
                    : "no JDK 21+ under /usr/lib/jvm; set LUCENE10_JAVA_HOME to one";
        }
        return best;
    }

    private static int featureVersion(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring(line.indexOf('"') + 1);
                    return Integer.parseInt(v.split("[.\"]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** The benchmarks module directory: the working directory is the repository root (the launcher) or the module (tests). */
    private static Path module() {
        return Files.isDirectory(Path.of("benchmarks/src/lucene10")) ? Path.of("benchmarks") : Path.of(".");
    }

    /**
     * Runs the Lucene 10 peer over {@code d} for {@code formats}; its rows, in sweep order. Each row's command is
     * {@code commandPrefix} followed by its format.
     */
    static List<Report.Row> run(PeerSuite.Data d, Path java, List<String> formats, String commandPrefix)
            throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("lucene10-");
        try {
            VecsIO.writeFvecs(work.resolve("base.fvecs"), PeerSuite.flat(d.base()), d.dim());
            VecsIO.writeFvecs(work.resolve("queries.fvecs"), PeerSuite.flat(d.queries()), d.dim());
            Path jar = module().resolve("target/lucene10/lucene-core-" + VERSION + ".jar");
            List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                    "-Xmx" + (Runtime.getRuntime().maxMemory() >> 20) + "m", "-Dtimed.nanos=" + PeerSuite.MIN_TIMED_NANOS,
                    "-Dclass.loading.rows=" + PeerSuite.CLASS_LOADING_ROWS,
                    "-cp", jar.toString(),
                    module().resolve("src/lucene10/Lucene10Peer.java").toString(), work.resolve("base.fvecs").toString(),
                    work.resolve("queries.fvecs").toString(), work.toString()));
            cmd.addAll(formats);
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<Report.Row> rows = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("RESULT\t")) {
                        String[] f = line.split("\t");
                        rows.add(row(d, f, commandPrefix + f[1]));
                    }
                }
            }
            if (p.waitFor() != 0) {
                throw new IOException("the Lucene 10 peer failed (exit " + p.exitValue() + "): " + String.join(" ", cmd));
            }
            return rows;
        } finally {
            try (Stream<Path> files = Files.list(work)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(work);
        }
    }

    private static Report.Row row(PeerSuite.Data d, String[] f, String command) throws IOException {
        int nq = d.queries().length;
        int[][] top100 = new int[nq][];
        int[][] top10 = new int[nq][];
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(Path.of(f[6]))))) {
            for (int q = 0; q < nq; q++) {
                top100[q] = readIds(in);
                top10[q] = readIds(in);
            }
        }
        String engine = "Lucene " + VERSION + " HNSW " + f[1] + (f[1].equals("float32") ? "" : " + rescore");
        Report.Row row = new Report.Row(d.name(), d.base().length, d.dim(), engine, "numCandidates (M 16, beam 100) = " + f[2], 1,
                PeerSuite.recall(top10, d.truth(), 1), PeerSuite.recall(top10, d.truth(), 10),
                PeerSuite.recall(top100, d.truth(), 100), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                Double.parseDouble(f[5]), command);
        System.err.printf("  %-28s %-38s t1 recall@10 %.4f  %8.0f QPS%n", row.engine(), row.params(), row.recall10(), row.qps());
        return row;
    }

    private static int[] readIds(DataInputStream in) throws IOException {
        int[] ids = new int[in.readInt()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = in.readInt();
        }
        return ids;
    }
}
