package io.rabitq.spark;

import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.collection.immutable.Seq;

/** Plans {@link NearestScan} as {@link NearestScanExec}. */
final class NearestScanStrategy extends SparkStrategy {
    @Override
    public Seq<SparkPlan> apply(LogicalPlan plan) {
        if (plan instanceof NearestScan s) {
            return Catalyst.seq(new NearestScanExec(planLater(s.child()), s.queryVector(), s.shardColumn(), s.target(),
                    s.neighborId(), s.distance()));
        }
        return Catalyst.seq();
    }
}
