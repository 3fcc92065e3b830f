package io.rabitq.jobs;

import io.rabitq.spark.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sql}: SQL statements in a session with Delta and our functions ({@code rabitq_search}, indexed NEAREST BY). */
@Command(name = "sql", sortOptions = false,
        description = {"Run SQL with Delta and rabitq_search installed (and APPROX NEAREST BY joins on indexed tables planned as",
            "our search). Statements are separated by ';'; each query's rows are printed as a table, or as JSON lines."})
final class SqlCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "SQL", description = "statements to run, e.g. \"SELECT count(*) FROM delta.`/data/t`\"")
    String text;
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the statements from FILE instead")
    Path file;
    @Option(names = "--max-rows", defaultValue = "20", description = "rows printed per query (default: ${DEFAULT-VALUE})")
    int maxRows;
    @Option(names = "--json", description = "print rows as JSON lines instead of a table")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if ((text == null) == (file == null)) {
            throw new InvalidInputException("give the SQL as an argument or with -f FILE (one of them)");
        }
        if (maxRows < 1) {
            throw new InvalidInputException("--max-rows must be >= 1 but was " + maxRows);
        }
        if (file != null && !Files.isReadable(file)) {
            throw new InvalidInputException("-f " + file + " is not a readable file");
        }
        List<String> statements = split(file != null ? Files.readString(file) : text);
        if (statements.isEmpty()) {
            throw new InvalidInputException("no SQL statement to run");
        }
        SparkSession spark = Sessions.get("spark-rabitq sql");
        try {
            for (String statement : statements) {
                Dataset<Row> result = spark.sql(statement);
                if (json) {
                    result.toJSON().takeAsList(maxRows).forEach(System.out::println);
                } else {
                    result.show(maxRows, false);
                }
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Statements separated by {@code ;} outside quotes, backticks and comments; blank ones dropped. */
    static List<String> split(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (quote == 0 && c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
                while (i < sql.length() && sql.charAt(i) != '\n') {
                    i++;
                }
                current.append('\n');
                continue;
            }
            if (quote == 0 && c == ';') {
                addIfNotBlank(out, current);
                current.setLength(0);
                continue;
            }
            if (quote == 0 && (c == '\'' || c == '"' || c == '`')) {
                quote = c;
            } else if (c == quote && sql.charAt(i - 1) != '\\') {
                quote = 0;
            }
            current.append(c);
        }
        addIfNotBlank(out, current);
        return out;
    }

    private static void addIfNotBlank(List<String> out, StringBuilder statement) {
        if (!statement.toString().isBlank()) {
            out.add(statement.toString().trim());
        }
    }
}
