package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** Progress lines of a named phase, from a real local[2] job with a shuffle: rows done of rows expected, tasks, ETA. */
class ProgressListenerTest {
    @Test
    void aNamedPhaseReportsRowsTasksAndAnEtaWhileItRunsAndIgnoresOtherJobs() throws Exception {
        SparkSession spark = TestSpark.session();
        SparkContext sc = spark.sparkContext();
        ProgressListener listener = new ProgressListener(200_000_000L, 0);
        StringWriter log = new StringWriter();
        Logger logger = (Logger) LogManager.getLogger(ProgressListener.LOGGER);
        Level level = logger.getLevel();
        WriterAppender capture = WriterAppender.newBuilder().setName("progress-capture").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%m%n").build()).build();
        capture.start();
        logger.addAppender(capture);
        logger.setLevel(Level.INFO);
        sc.addSparkListener(listener);
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
            List<Integer> rows = IntStream.range(0, 4_000).boxed().toList();
            jsc.parallelize(rows, 2).mapToPair(x -> new Tuple2<>(x, x)).partitionBy(new HashPartitioner(2)).count(); // not ours
            long n = JobPhase.run(sc, "test: slow rows", () -> jsc.parallelize(rows, 2).mapToPair(x -> new Tuple2<>(x, x))
                    .partitionBy(new HashPartitioner(8)).map(t -> {
                        if (t._1() % 100 == 0) {
                            Thread.sleep(20); // about 0.2 s per task of 500 rows
                        }
                        return t._1();
                    }).count());
            assertTrue(n == 4_000);
            org.apache.spark.util.LongAccumulator own = sc.longAccumulator("test rows");
            JobPhase.runCounted(sc, "test: counted rows", own, () -> jsc.parallelize(rows, 2).map(x -> {
                Thread.sleep(x % 400 == 0 ? 100 : 0);
                own.add(2); // a task's own count wins over the records it read
                return x;
            }).count());
            sc.listenerBus().waitUntilEmpty();
        } finally {
            sc.removeSparkListener(listener);
            logger.removeAppender(capture);
            logger.setLevel(level);
        }
        String text = log.toString();
        assertTrue(text.startsWith("rabitq test: slow rows ...\n"), text);
        Matcher running = Pattern.compile("rabitq test: slow rows: ([0-9,]+) of 4,000 rows, ([0-9]) of 8 tasks done, ETA [0-9]+ s").matcher(text);
        assertTrue(running.find(), "a line while the shuffle-reading stage runs: " + text);
        int done = Integer.parseInt(running.group(1).replace(",", ""));
        assertTrue(done > 0 && done < 4_000 && Integer.parseInt(running.group(2)) < 8, text);
        assertTrue(text.contains("rabitq test: slow rows: 4,000 rows in "), "the stage's end: " + text);
        assertTrue(Pattern.compile("rabitq test: slow rows: done in [0-9.]+ s\n").matcher(text).find(), text);
        assertTrue(text.contains("rabitq test: counted rows: 8,000 rows in "), text);
        assertTrue(text.lines().allMatch(l -> l.startsWith("rabitq test: ")), "the unnamed job printed nothing: " + text);
    }
}
