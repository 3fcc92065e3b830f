package io.rabitq.jobs.tools;

import io.rabitq.jobs.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The benchmark and demo commands, in their own jar ({@code jobs/target/spark-rabitq-tools.jar}) so they never ship
 * in the product's app jar; {@code bin/spark-rabitq} routes their names here. Same exit codes as {@link Cli}.
 */
@Command(name = "spark-rabitq", mixinStandardHelpOptions = true,
        description = "Benchmarks and demos of spark-rabitq (not part of the app jar).",
        subcommands = {BenchCommand.class, BundleBenchCommand.class, BenchSparkCommand.class, LakeWarmRestartCommand.class,
            LakeBenchCommand.class, EmbedWordnetCommand.class, DemoTextCommand.class, ReindexBenchCommand.class, CommandLine.HelpCommand.class})
public final class ToolsCli {
    private ToolsCli() {
    }

    public static void main(String[] argv) {
        int code = run(argv);
        if (code != 0) {
            System.exit(code);
        }
    }

    static int run(String... argv) {
        return Cli.execute(new ToolsCli(), argv);
    }
}
