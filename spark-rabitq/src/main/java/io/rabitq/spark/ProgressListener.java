package io.rabitq.spark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.util.AccumulatorV2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple4;

/**
 * Progress of our long phases, as log lines of the logger {@value #LOGGER} (INFO): for every stage of a job named by
 * one of our phases ({@code rabitq index: write partition files}, …), a line every {@value #INTERVAL_SECONDS} s while it
 * runs with the rows done (records the tasks read or wrote to a shuffle, also of running tasks, from the executors'
 * heartbeats),
 * the rows expected when the stage reads its parents' shuffle output, the tasks done and an ETA; and a line when it
 * ends, if it ran {@value #FINAL_LINE_SECONDS} s or more. Stages of other jobs are ignored. The CLI installs it; elsewhere add it with
 * {@code --conf spark.extraListeners=io.rabitq.spark.ProgressListener}. Events arrive on one listener thread, so the
 * state needs no locks.
 */
public final class ProgressListener extends SparkListener {
    /**
     * Local property set by {@link JobPhase#runCounted}: the id of the {@code LongAccumulator} in which the tasks of a
     * job's last stage count the rows they have finished. That stage is measured by it instead of the records its tasks
     * read (a task that sorts its input reads it all before it finishes a row).
     */
    static final String ROWS_COUNTER_PROPERTY = "rabitq.progress.rowsCounter";
    /** Name of the logger the lines go to. */
    public static final String LOGGER = "io.rabitq.progress";
    static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final int INTERVAL_SECONDS = 10;
    /** Shorter stages end without a line of their own (the phase's "done" line follows). */
    private static final int FINAL_LINE_SECONDS = 5;
    private static final String INPUT_RECORDS = "internal.metrics.input.recordsRead";
    private static final String SHUFFLE_RECORDS = "internal.metrics.shuffle.read.recordsRead";
    private static final String SHUFFLE_WRITTEN = "internal.metrics.shuffle.write.recordsWritten";

    private final long intervalNanos;
    private final long finalLineNanos;
    private final Map<Integer, String> phaseOfStage = new HashMap<>();
    private final Map<Integer, Long> rowsCounterOfStage = new HashMap<>();
    private final Map<Integer, List<Integer>> stagesOfJob = new HashMap<>();
    private final Map<Integer, Stage> running = new HashMap<>();
    private final Map<Integer, Long> shuffleRecordsWritten = new HashMap<>();

    /** A line every {@value #INTERVAL_SECONDS} s per running stage (what {@code spark.extraListeners} instantiates). */
    public ProgressListener() {
        this(INTERVAL_SECONDS * 1_000_000_000L, FINAL_LINE_SECONDS * 1_000_000_000L);
    }

    ProgressListener(long intervalNanos, long finalLineNanos) {
        this.intervalNanos = intervalNanos;
        this.finalLineNanos = finalLineNanos;
    }

    private static final class Stage {
        final String phase;
        final int tasks;
        final long expectedRows; // -1: unknown
        final long start = System.nanoTime();
        final Map<Long, Long> rowsOfRunningTasks = new HashMap<>();
        final Set<Long> readCounters = new HashSet<>(); // ids of the stage's record counters
        final Set<Long> writeCounters = new HashSet<>();
        long rowsCounter = -1; // id of the tasks' own row count, when they keep one
        long lastLine = start;
        long rowsAtLastLine;
        long rowsDone;
        int tasksDone;

        Stage(String phase, int tasks, long expectedRows) {
            this.phase = phase;
            this.tasks = tasks;
            this.expectedRows = expectedRows;
        }

        long rows() {
            return rowsDone + rowsOfRunningTasks.values().stream().mapToLong(Long::longValue).sum();
        }

        double seconds() {
            return (System.nanoTime() - start) / 1e9;
        }

        /**
         * The progress line. The ETA comes from the row rate since the previous line, from the second line with rows on
         * (rows can start late, after a sort), else from the tasks done.
         */
        String line(long now) {
            long rows = rows();
            StringBuilder b = new StringBuilder(phase).append(": ").append(String.format("%,d", rows));
            if (expectedRows >= 0) {
                b.append(String.format(" of %,d", expectedRows));
            }
            b.append(String.format(" rows, %d of %d tasks done", tasksDone, tasks));
            double sinceLast = (now - lastLine) / 1e9;
            if (expectedRows > 0 && rowsAtLastLine > 0 && rows > rowsAtLastLine) { // a rate measured over whole intervals
                b.append(String.format(", ETA %.0f s", sinceLast * Math.max(0, expectedRows - rows) / (rows - rowsAtLastLine)));
            } else if (tasksDone > 0 && tasksDone < tasks) {
                b.append(String.format(", ETA %.0f s", seconds() * (tasks - tasksDone) / tasksDone));
            }
            rowsAtLastLine = rows;
            lastLine = now;
            return b.toString();
        }
    }

    @Override
    public void onJobStart(SparkListenerJobStart job) {
        String description = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
        if (description == null || !description.startsWith(JobPhase.PREFIX)) {
            return;
        }
        List<Integer> stages = new ArrayList<>();
        scala.jdk.javaapi.CollectionConverters.asJava(job.stageIds()).forEach(id -> stages.add((Integer) id));
        stages.forEach(id -> phaseOfStage.put(id, description));
        String rowsCounter = job.properties().getProperty(ROWS_COUNTER_PROPERTY);
        if (rowsCounter != null) { // the result stage is created after its parents
            rowsCounterOfStage.put(java.util.Collections.max(stages), Long.parseLong(rowsCounter));
        }
        stagesOfJob.put(job.jobId(), stages);
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        StageInfo info = submitted.stageInfo();
        String phase = phaseOfStage.get(info.stageId());
        if (phase == null) {
            return;
        }
        long expected = 0;
        List<Object> parents = scala.jdk.javaapi.CollectionConverters.asJava(info.parentIds());
        for (Object parent : parents) {
            Long written = shuffleRecordsWritten.get((Integer) parent);
            expected = written == null || expected < 0 ? -1 : expected + written;
        }
        Stage stage = new Stage(phase, info.numTasks(), parents.isEmpty() ? -1 : expected);
        stage.rowsCounter = rowsCounterOfStage.getOrDefault(info.stageId(), -1L);
        // heartbeats carry the running tasks' counters by id only; the stage's registered metrics give their names
        for (AccumulatorV2<?, ?> counter : scala.jdk.javaapi.CollectionConverters.asJava(info.taskMetrics().accumulators())) {
            String name = counter.name().isDefined() ? counter.name().get() : "";
            if (name.equals(INPUT_RECORDS) || name.equals(SHUFFLE_RECORDS)) {
                stage.readCounters.add(counter.id());
            } else if (name.equals(SHUFFLE_WRITTEN)) {
                stage.writeCounters.add(counter.id());
            }
        }
        running.put(info.stageId(), stage);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (!phaseOfStage.containsKey(end.stageId()) || end.taskMetrics() == null) {
            return;
        }
        shuffleRecordsWritten.merge(end.stageId(), end.taskMetrics().shuffleWriteMetrics().recordsWritten(), Long::sum);
        Stage s = running.get(end.stageId());
        if (s != null) {
            s.rowsOfRunningTasks.remove(end.taskInfo().taskId());
            if (end.taskInfo().successful()) {
                s.tasksDone++;
                s.rowsDone += taskRows(s, scala.jdk.javaapi.CollectionConverters.asJava(end.taskInfo().accumulables()));
            }
            maybeLine(s);
        }
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        Set<Stage> touched = new HashSet<>();
        for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task
                : scala.jdk.javaapi.CollectionConverters.asJava(update.accumUpdates())) {
            Stage s = running.get((Integer) task._2());
            if (s == null) {
                continue;
            }
            s.rowsOfRunningTasks.put((Long) task._1(), taskRows(s, scala.jdk.javaapi.CollectionConverters.asJava(task._4())));
            touched.add(s);
        }
        touched.forEach(this::maybeLine);
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
        int id = completed.stageInfo().stageId();
        Stage s = running.remove(id);
        if (s != null && System.nanoTime() - s.start >= finalLineNanos && s.rows() > 0) {
            LOG.info("{}: {} rows in {} s ({} tasks)", s.phase, String.format("%,d", s.rows()), String.format("%.1f", s.seconds()), s.tasks);
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd end) {
        List<Integer> stages = stagesOfJob.remove(end.jobId());
        if (stages != null) {
            stages.forEach(id -> {
                phaseOfStage.remove(id);
                rowsCounterOfStage.remove(id);
                shuffleRecordsWritten.remove(id);
                running.remove(id);
            });
        }
    }

    /**
     * The rows a task has handled, from its counters: its own count in a counted stage; else the records it read (input,
     * shuffle) or, when it wrote more to a shuffle, those (a stage reading cached data counts no input records).
     */
    private static long taskRows(Stage s, List<AccumulableInfo> counters) {
        long read = 0;
        long written = 0;
        long counted = 0;
        for (AccumulableInfo a : counters) {
            if (a.update().isDefined() && a.update().get() instanceof Long n) {
                read += s.readCounters.contains(a.id()) ? n : 0;
                written += s.writeCounters.contains(a.id()) ? n : 0;
                counted += a.id() == s.rowsCounter ? n : 0;
            }
        }
        return s.rowsCounter >= 0 ? counted : Math.max(read, written);
    }

    private void maybeLine(Stage s) {
        long now = System.nanoTime();
        if (now - s.lastLine >= intervalNanos) {
            LOG.info(s.line(now));
        }
    }
}
