package io.rabitq.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ScanKernelBenchmark} and prints million vector·queries scanned per second for the scalar and
 * Vector API kernels side by side with their ratio, plus the JVM and CPU it ran on. Extra arguments are
 * JMH options, e.g. {@code -p dim=128 -p queries=16 -wi 2 -i 3}.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ... (plain JMH)
 * java -cp benchmarks/target/benchmarks.jar io.rabitq.core.KernelReport [JMH options]</pre>
 */
public final class KernelReport {
    private KernelReport() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        CommandLineOptions cli = new CommandLineOptions(args);
        OptionsBuilder opts = new OptionsBuilder();
        opts.parent(cli).include(ScanKernelBenchmark.class.getName());
        Collection<RunResult> results = new Runner(opts.build()).run();
        List<String[]> rows = new ArrayList<>();
        for (RunResult rr : results) {
            var p = rr.getParams();
            double scansPerSecond = rr.getPrimaryResult().getScore();
            double err = rr.getPrimaryResult().getScoreError();
            int q = Integer.parseInt(p.getParam("queries"));
            double factor = (double) ScanKernelBenchmark.VECTORS * q / 1e6;
            rows.add(new String[] {p.getParam("dim"), p.getParam("queries"), p.getParam("kernel"),
                    String.format("%.0f", scansPerSecond * factor), String.format("%.0f", err * factor)});
        }
        System.out.printf("%nscan kernels, %d vectors per scan, top-100 sink; java %s (%s), %d cpus%n",
                ScanKernelBenchmark.VECTORS, System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%5s %7s %12s %12s %10s%n", "dim", "queries", "scalar M/s", "vector M/s", "vector/x");
        for (String[] s : rows) {
            if (!s[2].equals("scalar")) {
                continue;
            }
            String[] v = rows.stream().filter(x -> x[0].equals(s[0]) && x[1].equals(s[1]) && x[2].equals("vector"))
                    .findFirst().orElse(null);
            System.out.printf("%5s %7s %8s±%-4s %8s±%-4s %9s%n", s[0], s[1], s[3], s[4],
                    v == null ? "-" : v[3], v == null ? "" : v[4],
                    v == null ? "-" : String.format("%.1fx", Double.parseDouble(v[3]) / Double.parseDouble(s[3])));
        }
        System.out.println("(M/s = million vector·queries per second; ± is JMH's 99.9% error)");
    }
}
