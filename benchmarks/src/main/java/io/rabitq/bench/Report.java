package io.rabitq.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/** Writes the suite's results: {@code BENCHMARKS.md} (tables, best configurations, machine) and one PNG plot per dataset. */
final class Report {
    private Report() {
    }

    record Row(String dataset, int n, int dim, String engine, String params, int threads, double recall1, double recall10,
               double recall100, double qps, double buildSeconds, double bytesPerVector, String command) {
    }

    static void write(Path docs, List<Row> rows, List<PeerSuite.Data> sets, List<String> notes) throws IOException {
        Path img = docs.resolve("img");
        Files.createDirectories(img);
        StringBuilder md = new StringBuilder("# Benchmarks against peers\n\n");
        md.append("Written by `bin/spark-rabitq bench-suite` in one run (Lucene 10 in a second JVM on a JDK 21+); the last column ")
                .append("of each row is the command that reruns just that engine. Recall is against exact ground truth; QPS is single-query searches on one thread ")
                .append("(ours also with 2 threads, queries in parallel), at least one second of searches after an untimed pass (and, before each engine's first row, untimed searches as long as a timed row, for the JIT); ")
                .append("bytes/vector is the heap an index holds after building, measured the same way for every engine ")
                .append("(used heap after GC, before and after the build; each engine is first built once, untimed, on 2,000 rows, ")
                .append("so that the classes its first use loads are not counted).\n\n");
        md.append("Machine: ").append(machine()).append(". Index builds use every core.\n\n");
        int jdk = Runtime.version().feature();
        if (jdk < 20 || jdk > 23) {
            md.append("Note: Lucene 9.12 uses its SIMD (Panama) vector code only on JDK 20 to 23; on this JDK it runs its scalar ")
                    .append("code (it says so at startup). Lucene ").append(Lucene10.VERSION).append(" runs on the newest JDK 21+ ")
                    .append("found, with its SIMD code; its quantized formats (int7, int4, BBQ) are rescored at full precision by ")
                    .append("Lucene's RescoreTopNQuery. Our kernels use the Vector API incubator module on JDK 17.\n\n");
        }
        for (String note : notes) {
            md.append("Note: ").append(note).append("\n\n");
        }
        for (PeerSuite.Data d : sets) {
            List<Row> mine = rows.stream().filter(r -> r.dataset().equals(d.name())).toList();
            String file = d.name().replaceAll("[^A-Za-z0-9]+", "-").toLowerCase() + ".png";
            md.append("## ").append(d.name()).append("\n\n`").append(d.command()).append("` — n = ").append(d.base().length)
                    .append(", D = ").append(d.dim()).append(", ").append(d.queries().length).append(" queries\n\n");
            md.append("Best single-thread configuration of each engine at recall@10 ≥ 0.95:\n\n")
                    .append("| engine | params | recall@10 | QPS | bytes/vector |\n|---|---|---|---|---|\n");
            Map<String, Row> best = new LinkedHashMap<>();
            for (Row r : mine) {
                if (r.threads() == 1 && r.recall10() >= 0.95 && (!best.containsKey(r.engine()) || best.get(r.engine()).qps() < r.qps())) {
                    best.put(r.engine(), r);
                }
            }
            for (Row r : best.values()) {
                md.append(String.format("| %s | %s | %.4f | %.0f | %.0f |%n", r.engine(), r.params(), r.recall10(), r.qps(), r.bytesPerVector()));
            }
            md.append(trails(mine));
            md.append("\n![recall vs QPS](img/").append(file).append(")\n\n");
            md.append("| engine | params | threads | recall@1 | recall@10 | recall@100 | QPS | build s | bytes/vector | command |\n")
                    .append("|---|---|---|---|---|---|---|---|---|---|\n");
            for (Row r : mine) {
                md.append(String.format("| %s | %s | %d | %.4f | %.4f | %.4f | %.0f | %.1f | %.0f | `%s` |%n", r.engine(), r.params(),
                        r.threads(), r.recall1(), r.recall10(), r.recall100(), r.qps(), r.buildSeconds(), r.bytesPerVector(), r.command()));
            }
            md.append('\n');
            plot(d.name(), mine, img.resolve(file));
        }
        Files.writeString(docs.resolve("BENCHMARKS.md"), md.toString());
        System.err.println("bench-suite: wrote " + docs.resolve("BENCHMARKS.md") + " and plots in " + img);
    }

    /** Recall levels at which the report compares ours with each peer. */
    private static final double[] TRAIL_LEVELS = {0.95, 0.98, 0.99};

    /** Engine names of our IVF index start with this; what follows names its settings (bits, raw vectors). */
    static final String OURS = "ours IvfRabitqIndex";

    /** Our IVF engines among {@code rows}, in order of first appearance. */
    private static List<String> oursEngines(List<Row> rows) {
        return rows.stream().map(Row::engine).filter(e -> e.startsWith(OURS)).distinct().toList();
    }

    /**
     * Where our IVF index trails a peer: at each recall level, the best single-thread QPS of each engine among its rows
     * at or above that recall, and every peer that beats each of our IVF engines there, with the ratio.
     */
    static String trails(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        for (double level : TRAIL_LEVELS) {
            Map<String, Row> best = new LinkedHashMap<>();
            for (Row r : rows) {
                if (r.threads() == 1 && r.recall10() >= level && (!best.containsKey(r.engine()) || best.get(r.engine()).qps() < r.qps())) {
                    best.put(r.engine(), r);
                }
            }
            for (String engine : oursEngines(rows)) {
                String label = "ours" + engine.substring(OURS.length());
                Row ours = best.get(engine);
                if (ours == null) {
                    out.append(String.format("- at recall@10 ≥ %.2f: **%s does not reach it** in this sweep%n", level, label));
                    continue;
                }
                for (Row peer : best.values()) {
                    if (!peer.engine().startsWith("ours") && peer.qps() > ours.qps()) {
                        out.append(String.format("- at recall@10 ≥ %.2f: **%s trails %s**: %.0f q/s (%s) is %.2f× its %.0f q/s (%s)%n",
                                level, label, peer.engine(), ours.qps(), ours.params(), ours.qps() / peer.qps(), peer.qps(), peer.params()));
                    }
                }
            }
        }
        return out.length() == 0 ? "" : "\nWhere ours trails a peer (best single-thread rows at each recall level):\n\n" + out;
    }

    private static void plot(String title, List<Row> rows, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle("recall@10").yAxisTitle("queries/s (1 thread)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        Map<String, List<Row>> byEngine = rows.stream().filter(r -> r.threads() == 1)
                .collect(Collectors.groupingBy(Row::engine, LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<String, List<Row>> e : byEngine.entrySet()) {
            List<Row> s = e.getValue().stream().sorted(Comparator.comparingDouble(Row::recall10)).toList();
            chart.addSeries(e.getKey(), s.stream().mapToDouble(Row::recall10).toArray(), s.stream().mapToDouble(Row::qps).toArray());
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** CPU model, cores, JVM and max heap. */
    static String machine() {
        return cpu() + ", " + Runtime.getRuntime().availableProcessors() + " cores; " + System.getProperty("java.vm.name") + ' '
                + System.getProperty("java.version") + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MB";
    }

    private static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
