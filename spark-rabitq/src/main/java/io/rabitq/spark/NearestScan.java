package io.rabitq.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * Logical plan of one bundle-shard scan per task: each input row pairs a query row with a shard number, and the scan
 * replaces it by up to k rows {@code (query columns..., neighbor id, distance)} — the k best of that shard — or by one
 * row with null id and distance when the shard holds nothing for the query (so an outer join keeps the query). The
 * input is planned so that every task sees one shard; merging the shards' rows per query gives the answer.
 *
 * @param child       query rows crossed with shard numbers
 * @param queryVector the query vector, an expression over {@code child}'s output ({@code array<float>})
 * @param shardColumn the shard number column of {@code child}, dropped from the output
 * @param target      the bundle generation, its shards, k and nprobe
 * @param neighborId  the produced {@code bigint} id column
 * @param distance    the produced {@code float} distance column (smaller is nearer, for every metric)
 */
public final class NearestScan extends LogicalPlan {
    private final LogicalPlan child;
    private final Expression queryVector;
    private final Attribute shardColumn;
    private final Target target;
    private final Attribute neighborId;
    private final Attribute distance;

    /** What a scan searches: a verified generation of a bundle, split into shards of partitions. */
    public record Target(String bundleDir, String generation, String witness, List<int[]> shards, int k, int nprobe)
            implements Serializable {
        @Override
        public String toString() {
            return bundleDir + " " + generation + ", " + shards.size() + " shards, k=" + k + ", nprobe=" + (nprobe > 0 ? nprobe : "default");
        }
    }

    public NearestScan(LogicalPlan child, Expression queryVector, Attribute shardColumn, Target target, Attribute neighborId,
                       Attribute distance) {
        this.child = child;
        this.queryVector = queryVector;
        this.shardColumn = shardColumn;
        this.target = target;
        this.neighborId = neighborId;
        this.distance = distance;
    }

    public LogicalPlan child() {
        return child;
    }

    public Expression queryVector() {
        return queryVector;
    }

    public Attribute shardColumn() {
        return shardColumn;
    }

    public Target target() {
        return target;
    }

    public Attribute neighborId() {
        return neighborId;
    }

    public Attribute distance() {
        return distance;
    }

    @Override
    public Seq<Attribute> output() {
        return output(child.output(), shardColumn, neighborId, distance);
    }

    /** The child's columns without the shard number, then the neighbour's id and distance. */
    static Seq<Attribute> output(Seq<Attribute> input, Attribute shardColumn, Attribute neighborId, Attribute distance) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : scala.jdk.javaapi.CollectionConverters.asJava(input)) {
            if (!a.exprId().equals(shardColumn.exprId())) {
                out.add(a);
            }
        }
        out.add(neighborId);
        out.add(distance);
        return Catalyst.seq(out);
    }

    @Override
    public AttributeSet producedAttributes() {
        return Catalyst.attributeSet(neighborId, distance);
    }

    @Override
    public Seq<LogicalPlan> children() {
        return Catalyst.seq(List.of(child));
    }

    @Override
    public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> newChildren) {
        return new NearestScan(newChildren.head(), queryVector, shardColumn, target, neighborId, distance);
    }

    @Override
    public int productArity() {
        return 6;
    }

    @Override
    public Object productElement(int n) {
        return switch (n) {
            case 0 -> child;
            case 1 -> queryVector;
            case 2 -> shardColumn;
            case 3 -> target;
            case 4 -> neighborId;
            case 5 -> distance;
            default -> throw new IndexOutOfBoundsException(n);
        };
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof NearestScan;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NearestScan s && s.child.equals(child) && s.queryVector.equals(queryVector)
                && s.shardColumn.equals(shardColumn) && s.target.equals(target) && s.neighborId.equals(neighborId)
                && s.distance.equals(distance);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(child, queryVector, shardColumn, target, neighborId, distance);
    }
}
