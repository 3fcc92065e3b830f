package io.rabitq.spark;

import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.FileAction;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.collection.immutable.Seq;

/** What a Delta table's commits did between two versions, read from its log. */
final class DeltaCommits {
    private DeltaCommits() {
    }

    /**
     * The first version in {@code (after, upTo]} with a file action that changes data, or -1 when every commit in
     * between only changed metadata (properties such as an index registration) or rearranged files ({@code OPTIMIZE}).
     *
     * @throws RuntimeException if the commits cannot be read (e.g. removed by log retention)
     */
    static long firstDataChange(DeltaLog log, long after, long upTo) {
        if (upTo <= after) {
            return -1;
        }
        Iterator<Tuple2<Object, Seq<Action>>> commits = log.getChanges(after + 1, upTo, Catalyst.none(), true);
        while (commits.hasNext()) {
            Tuple2<Object, Seq<Action>> commit = commits.next();
            for (Action a : Catalyst.list(commit._2())) {
                if (a instanceof FileAction f && f.dataChange()) {
                    return (Long) commit._1();
                }
            }
        }
        return -1;
    }
}
