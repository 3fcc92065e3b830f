package io.rabitq.spark;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.Manifest;
import io.rabitq.core.Metric;
import io.rabitq.core.RabitqException;
import io.rabitq.core.Vectors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.CreateStruct;
import org.apache.spark.sql.catalyst.expressions.EqualTo;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Inline;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.Uuid;
import org.apache.spark.sql.catalyst.expressions.VectorCosineSimilarity;
import org.apache.spark.sql.catalyst.expressions.VectorInnerProduct;
import org.apache.spark.sql.catalyst.expressions.VectorL2Distance;
import org.apache.spark.sql.catalyst.expressions.aggregate.First;
import org.apache.spark.sql.catalyst.expressions.aggregate.MaxMinByK;
import org.apache.spark.sql.catalyst.plans.Cross$;
import org.apache.spark.sql.catalyst.plans.LeftOuter$;
import org.apache.spark.sql.catalyst.plans.NearestByDirection;
import org.apache.spark.sql.catalyst.plans.NearestByDistance$;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.BROADCAST$;
import org.apache.spark.sql.catalyst.plans.logical.Generate;
import org.apache.spark.sql.catalyst.plans.logical.HintInfo;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.JoinHint;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.NearestByJoin;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.Range;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.delta.files.TahoeFileIndex;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.runtime.AbstractPartialFunction;

/**
 * Plans Spark 4.2's {@code APPROX NEAREST k BY} join as a distributed bundle search when its right side is a plain read
 * of a Delta table with a registered index ({@link IndexedTables}) and its ranking expression is the vector function
 * that matches the bundle's metric between a query expression and the indexed column:
 * {@code vector_l2_distance} (l2, BY DISTANCE), {@code vector_inner_product} (ip, BY SIMILARITY) or
 * {@code vector_cosine_similarity} (cosine, BY SIMILARITY). The bundle must cover the table version being read: it
 * records version V, the read is at V or later, and no commit after V changed data (a commit that only set properties,
 * such as the registration itself, does not count).
 *
 * <p>The rewritten plan keeps Spark's output schema and join semantics: the query rows are broadcast to one task per
 * bundle shard ({@link NearestScan}), each returns its k best per query, an aggregate keeps the k best of all shards,
 * and the neighbours' rows are joined back from the table by id. Any other {@code APPROX} join runs Spark's exact plan,
 * with a warning saying why — or fails, when {@value #FALLBACK_CONF} is {@code error}. {@code EXACT} joins are never
 * touched.
 */
final class NearestByRewrite extends Rule<LogicalPlan> {
    /** Spark conf: {@code warn} (default) runs Spark's exact plan when no index applies, {@code error} fails the query. */
    static final String FALLBACK_CONF = "spark.rabitq.nearestBy.fallback";
    /** Spark conf: clusters probed per query by an indexed join; 0 (default) uses the recall conf, else the bundle's default. */
    static final String NPROBE_CONF = "spark.rabitq.nearestBy.nprobe";
    /** Spark conf: the recall@10 an indexed join should reach (e.g. 0.95), read off the bundle's recall curve. */
    static final String RECALL_CONF = "spark.rabitq.nearestBy.recall";
    private static final Logger LOG = LoggerFactory.getLogger(NearestByRewrite.class);

    private final SparkSession session;

    NearestByRewrite(SparkSession session) {
        this.session = session;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        return plan.transformUp(new AbstractPartialFunction<>() {
            @Override
            public boolean isDefinedAt(LogicalPlan p) {
                return p instanceof NearestByJoin j && j.approx() && j.resolved();
            }

            @Override
            public LogicalPlan apply(LogicalPlan p) {
                return rewrite((NearestByJoin) p);
            }
        });
    }

    private LogicalPlan rewrite(NearestByJoin j) {
        try {
            return indexed(j);
        } catch (Decline d) {
            String message = "APPROX NEAREST BY runs Spark's exact plan: " + d.getMessage();
            if ("error".equalsIgnoreCase(session.conf().get(FALLBACK_CONF, "warn"))) {
                throw new InvalidInputException(message + " (" + FALLBACK_CONF + " is error)");
            }
            LOG.warn(message);
            return j;
        }
    }

    /** Why no index serves a join (its message completes "runs Spark's exact plan: "). */
    private static final class Decline extends RuntimeException {
        Decline(String message) {
            super(message, null, false, false);
        }
    }

    private LogicalPlan indexed(NearestByJoin j) {
        TahoeFileIndex table = deltaRead(j.right());
        String tablePath = table.dataPath().toUri().getPath();
        IndexedTables.Registration reg = IndexedTables.of(Catalyst.map(table.metadata().configuration()))
                .orElseThrow(() -> new Decline("the Delta table " + tablePath + " has no registered index (register one with "
                        + "bin/spark-rabitq index --register or IndexedTables.register)"));
        Attribute vectorColumn = column(j.right(), reg.vectorColumn(), tablePath);
        Attribute idColumn = column(j.right(), reg.idColumn(), tablePath);
        Ranking ranking = Ranking.of(j.rankingExpression(), j.direction());
        Expression query = ranking.queryAgainst(vectorColumn, j.left());
        try (Bundle b = RabitqSearch.openVerified(reg.bundleDir())) {
            Manifest m = b.manifest();
            if (!RabitqReindex.sameSource(m.sourceRef(), tablePath)) {
                throw new Decline("the registered bundle " + reg.bundleDir() + " was built from " + m.sourceRef() + ", not " + tablePath);
            }
            if (Metric.parse(m.metric()) != ranking.metric) {
                throw new Decline("the registered bundle " + reg.bundleDir() + " ranks by " + m.metric() + " but the join ranks by "
                        + ranking.function + "; use " + Ranking.functionFor(Metric.parse(m.metric())));
            }
            checkCovers(table, m.sourceVersion(), reg.bundleDir());
            int nprobe = probes(m, reg.bundleDir());
            NearestScan.Target target = new NearestScan.Target(b.directory().toString(), b.generation(), m.witness(), RabitqSearch.shards(m, RabitqSearch.shardBytes(session)),
                    j.numResults(), nprobe);
            return plan(j, query, idColumn, target);
        } catch (BundleException e) {
            throw new Decline("the registered bundle " + reg.bundleDir() + " cannot be searched: " + e.getMessage());
        }
    }

    /** The nprobe the session's confs ask for: an explicit one, else the one reaching the recall asked for, else 0. */
    private int probes(Manifest m, String bundleDir) {
        String nprobe = session.conf().get(NPROBE_CONF, "0").trim();
        String recall = session.conf().get(RECALL_CONF, "").trim();
        try {
            int p = Integer.parseInt(nprobe);
            Vectors.checkNprobeOrDefault(p);
            return p > 0 || recall.isEmpty() ? p : RabitqSearch.nprobeForRecall(m, bundleDir, Double.parseDouble(recall));
        } catch (NumberFormatException | RabitqException e) {
            throw new InvalidInputException(NPROBE_CONF + "=" + nprobe + ", " + RECALL_CONF + "=" + recall + ": " + e.getMessage()
                    + " (nprobe is a whole number >= 0, recall a fraction in (0, 1])", e);
        }
    }

    /** The Delta file index under a right side that reads the table as it is: no filter, no computed column. */
    private static TahoeFileIndex deltaRead(LogicalPlan right) {
        LogicalPlan p = right;
        while (true) {
            if (p instanceof SubqueryAlias a) {
                p = a.child();
            } else if (p instanceof Project pr && Catalyst.list(pr.projectList()).stream().allMatch(e -> e instanceof Attribute)) {
                p = pr.child();
            } else {
                break;
            }
        }
        if (p instanceof LogicalRelation lr && lr.relation() instanceof HadoopFsRelation fs && fs.location() instanceof TahoeFileIndex index) {
            return index;
        }
        throw new Decline("its right side is not a plain read of a Delta table (filter it after the join, or index the filtered "
                + "rows as their own table)");
    }

    private static Attribute column(LogicalPlan right, String name, String tablePath) {
        return Catalyst.list(right.output()).stream().filter(a -> a.name().equalsIgnoreCase(name)).findFirst()
                .orElseThrow(() -> new Decline("its right side does not select the column '" + name + "' that the index of "
                        + tablePath + " needs"));
    }

    /**
     * Fails unless the bundle, recording table version {@code recorded}, covers the version the plan reads: the same,
     * or a later one reached by commits that changed no data.
     */
    private static void checkCovers(TahoeFileIndex table, String recorded, String bundleDir) {
        long read = table.version();
        long built;
        try {
            built = Long.parseLong(recorded);
        } catch (NumberFormatException e) {
            throw new Decline("the registered bundle " + bundleDir + " records no table version ('" + recorded + "')");
        }
        String stale = "the registered bundle " + bundleDir + " records table version " + built + " but version " + read
                + " is read";
        if (read < built) {
            throw new Decline(stale + " (time travel before the index; read version " + built + " or later)");
        }
        long changed;
        try {
            changed = DeltaCommits.firstDataChange(table.deltaLog(), built, read);
        } catch (RuntimeException e) {
            throw new Decline(stale + " and the commits in between cannot be read (" + e.getMessage() + "); run reindex");
        }
        if (changed >= 0) {
            throw new Decline(stale + " and version " + changed + " changed data; run bin/spark-rabitq reindex");
        }
    }

    /** The vector function of a join's ranking expression, the metric it means and its two arguments. */
    private record Ranking(String function, Metric metric, Expression a, Expression b) {
        static Ranking of(Expression e, NearestByDirection direction) {
            boolean byDistance = direction == NearestByDistance$.MODULE$;
            Ranking r;
            if (e instanceof VectorL2Distance f) {
                r = new Ranking("vector_l2_distance", Metric.L2, f.left(), f.right());
            } else if (e instanceof VectorInnerProduct f) {
                r = new Ranking("vector_inner_product", Metric.INNER_PRODUCT, f.left(), f.right());
            } else if (e instanceof VectorCosineSimilarity f) {
                r = new Ranking("vector_cosine_similarity", Metric.COSINE, f.left(), f.right());
            } else {
                throw new Decline("its ranking expression " + e.sql() + " is not vector_l2_distance, vector_inner_product or "
                        + "vector_cosine_similarity of a query and the indexed column");
            }
            if (byDistance != (r.metric == Metric.L2)) {
                throw new Decline(r.function + " ranks BY " + (r.metric == Metric.L2 ? "DISTANCE" : "SIMILARITY") + ", not BY "
                        + (byDistance ? "DISTANCE" : "SIMILARITY"));
            }
            return r;
        }

        static String functionFor(Metric m) {
            return switch (m) {
                case L2 -> "vector_l2_distance BY DISTANCE";
                case INNER_PRODUCT -> "vector_inner_product BY SIMILARITY";
                case COSINE -> "vector_cosine_similarity BY SIMILARITY";
            };
        }

        /** The argument that is not the indexed column, which must be computed from the query side alone. */
        Expression queryAgainst(Attribute indexed, LogicalPlan left) {
            Expression query = isColumn(a, indexed) ? b : isColumn(b, indexed) ? a : null;
            if (query == null || !query.references().subsetOf(left.outputSet())) {
                throw new Decline("its ranking expression " + function + " is not between a query expression and the indexed "
                        + "column " + indexed.name());
            }
            return query;
        }

        private static boolean isColumn(Expression e, Attribute column) {
            return e instanceof Attribute a && a.exprId().equals(column.exprId());
        }
    }

    /** The rewritten plan; see {@link NearestScan} and the class comment. */
    private static LogicalPlan plan(NearestByJoin j, Expression query, Attribute idColumn, NearestScan.Target target) {
        LogicalPlan left = j.left();
        Alias qid = new Alias(new Uuid(Catalyst.some((Object) new java.util.Random().nextLong())), "__qid",
                NamedExpression.newExprId(), Catalyst.seq(), Catalyst.none(), Catalyst.seq());
        List<NamedExpression> tagged = new ArrayList<>(Catalyst.list(left.output()));
        tagged.add(qid);
        int n = target.shards().size();
        Attribute shard = attribute("__shard", DataTypes.LongType, false);
        LogicalPlan shards = new Range(0, n, 1, Catalyst.some((Object) n), Catalyst.seq(shard), false);
        JoinHint broadcastQueries = new JoinHint(Catalyst.some(new HintInfo(Catalyst.some(BROADCAST$.MODULE$))), Catalyst.none());
        LogicalPlan pairs = new Join(new Project(Catalyst.seq(tagged), left), shards, Cross$.MODULE$, Catalyst.none(), broadcastQueries);
        Attribute hitId = attribute("__hit_id", DataTypes.LongType, true);
        Attribute hitDistance = attribute("__hit_distance", DataTypes.FloatType, true);
        LogicalPlan scan = new NearestScan(pairs, query, shard, target, hitId, hitDistance);

        List<NamedExpression> aggregates = new ArrayList<>();
        for (Attribute a : Catalyst.list(left.output())) {
            aggregates.add(new Alias(new First(a, false).toAggregateExpression(), a.name(), a.exprId(), a.qualifier(),
                    Catalyst.none(), Catalyst.seq()));
        }
        Alias matches = new Alias(new MaxMinByK(CreateStruct.apply(Catalyst.seq(hitId, hitDistance)), hitDistance,
                Literal.create(target.k(), DataTypes.IntegerType), true, 0, 0).toAggregateExpression(), "__nearest_matches__",
                NamedExpression.newExprId(), Catalyst.seq(), Catalyst.none(), Catalyst.seq());
        aggregates.add(matches);
        LogicalPlan best = new Aggregate(Catalyst.seq(qid.toAttribute()), Catalyst.seq(aggregates), scan, Catalyst.none());

        boolean outer = j.joinType() == LeftOuter$.MODULE$;
        Attribute id = attribute("__nearest_id", DataTypes.LongType, true);
        LogicalPlan rows = new Generate(new Inline(matches.toAttribute()), Catalyst.seq((Object) (aggregates.size() - 1)), outer,
                Catalyst.none(), Catalyst.seq(id, attribute("__nearest_distance", DataTypes.FloatType, true)), best);
        Expression key = idColumn.dataType().equals(DataTypes.LongType) ? idColumn : new Cast(idColumn, DataTypes.LongType, Catalyst.none());
        LogicalPlan joined = new Join(rows, j.right(), j.joinType(), Catalyst.some(new EqualTo(id, key)), JoinHint.NONE());
        @SuppressWarnings("unchecked")
        scala.collection.immutable.Seq<NamedExpression> out = (scala.collection.immutable.Seq<NamedExpression>) (scala.collection.immutable.Seq<?>) j.output();
        return new Project(out, joined);
    }

    private static Attribute attribute(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return new AttributeReference(name, type, nullable, Metadata.empty(), NamedExpression.newExprId(), Catalyst.seq());
    }
}
