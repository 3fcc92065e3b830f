package io.rabitq.jobs;

import io.rabitq.core.RabitqException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import org.apache.spark.sql.AnalysisException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/spark-rabitq} and of {@code spark-submit} with the app jar: the production commands.
 * Benchmarks and demos live in {@link io.rabitq.jobs.tools.ToolsCli}, outside the app jar. Exit codes: 0 success,
 * 1 an error of the input or the data (one {@code error:} line saying what to fix), 2 a usage error.
 */
@Command(name = "spark-rabitq", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "RaBitQ approximate nearest-neighbour search on Apache Spark.",
        subcommands = {QuickstartCommand.class, TrainCommand.class, IndexCommand.class, ReindexCommand.class, SearchCommand.class,
            EvaluateCommand.class, SqlCommand.class, ImportCommand.class, ExportCommand.class, LakeSidecarCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Spark options (bin/spark-rabitq passes them to spark-submit): --master local[*] (default) | spark://host:port,",
            "--conf key=value (repeatable). Benchmarks and demos (bin/spark-rabitq only): bench, bundle-bench, bench-spark,",
            "lake-warm-restart, lake-bench, bench-suite, bench-scale; 'spark-rabitq <command> --help' for any command."})
public final class Cli {
    private Cli() {
    }

    public static void main(String[] argv) {
        int code = run(argv);
        if (code != 0) {
            System.exit(code);
        }
    }

    static int run(String... argv) {
        return execute(new Cli(), argv);
    }

    /**
     * Runs a picocli command tree: usage errors print the command's usage and return 2; our errors (and I/O and SQL errors)
     * print one {@code error:} line and return 1 (also when a Spark job failed on one of ours in a task); anything else
     * also prints its stack trace, since it is a bug.
     */
    public static int execute(Object root, String... argv) {
        Locale.setDefault(Locale.ROOT);
        CommandLine cl = new CommandLine(root)
                .setOut(new PrintWriter(System.out, true))
                .setErr(new PrintWriter(System.err, true));
        for (CommandLine command : cl.getSubcommands().values()) { // not picocli's mixin: its --version would clash with ours
            if (command.getCommandSpec().findOption("--help") == null) {
                command.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help message and exit.").build());
            }
        }
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                line.getErr().println("interrupted");
                return 130;
            }
            Throwable ours = e;
            while (ours != null && !(ours instanceof RabitqException)) { // found in a Spark task, it arrives wrapped
                ours = ours.getCause();
            }
            line.getErr().println("error: " + String.valueOf((ours != null ? ours : e).getMessage()).strip());
            if (ours == null && !(e instanceof IOException || e instanceof AnalysisException)) { // SQL and table errors: the message says it
                e.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cl.execute(argv);
    }

    /** The version of the jar this runs from. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"spark-rabitq " + (v == null ? "(development build)" : v)};
        }
    }
}
