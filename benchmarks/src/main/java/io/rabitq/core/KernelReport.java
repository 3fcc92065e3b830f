package io.rabitq.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ScanKernelBenchmark} and prints million vector·queries scanned per second for the scalar kernel and
 * the Vector API kernel at each width side by side, with the narrow widths' ratio to 512 bits, plus the JVM and
 * CPU it ran on (add {@code -jvmArgsAppend -XX:UseAVX=2} to see an AVX2 server). Extra arguments are
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
        Map<String, Map<String, double[]>> rows = new LinkedHashMap<>(); // "dim queries" -> kernel -> {rate, error}
        Set<String> kernels = new LinkedHashSet<>();
        for (RunResult rr : results) {
            var p = rr.getParams();
            double factor = (double) ScanKernelBenchmark.VECTORS * Integer.parseInt(p.getParam("queries")) / 1e6;
            kernels.add(p.getParam("kernel"));
            rows.computeIfAbsent(String.format("%5s %7s", p.getParam("dim"), p.getParam("queries")), k -> new LinkedHashMap<>())
                    .put(p.getParam("kernel"), new double[] {rr.getPrimaryResult().getScore() * factor,
                            rr.getPrimaryResult().getScoreError() * factor});
        }
        System.out.printf("%nscan kernels, %d vectors in clusters of %d, top-100 sink; java %s (%s), %d cpus, jvm args %s%n",
                ScanKernelBenchmark.VECTORS, ScanKernelBenchmark.CLUSTER, System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), cli.getJvmArgsAppend().orElse(List.of()));
        StringBuilder header = new StringBuilder(String.format("%5s %7s", "dim", "queries"));
        for (String k : kernels) {
            header.append(String.format(" %16s", k + " M/s"));
        }
        System.out.println(header + (kernels.contains("vector-512") ? "  256/512  128/512" : ""));
        for (Map.Entry<String, Map<String, double[]>> row : rows.entrySet()) {
            StringBuilder line = new StringBuilder(row.getKey());
            for (String k : kernels) {
                double[] r = row.getValue().get(k);
                line.append(r == null ? String.format(" %16s", "-") : String.format(" %10.0f±%-5.0f", r[0], r[1]));
            }
            double[] wide = row.getValue().get("vector-512");
            for (String narrow : new String[] {"vector-256", "vector-128"}) {
                double[] r = row.getValue().get(narrow);
                if (wide != null && r != null) {
                    line.append(String.format(" %8.2f", r[0] / wide[0]));
                }
            }
            System.out.println(line);
        }
        System.out.println("(M/s = million vector·queries per second; ± is JMH's 99.9% error)");
    }
}
