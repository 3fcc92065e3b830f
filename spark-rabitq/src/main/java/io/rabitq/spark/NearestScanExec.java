package io.rabitq.spark;

import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.execution.SparkPlan;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * Physical form of {@link NearestScan}: each task reads its rows in batches, all of one shard, searches the batch's
 * query vectors in that shard's partitions (loaded once per executor and generation, checked against the witness)
 * with the shard's own error-bound gate, and emits each query's k best of the shard.
 */
public final class NearestScanExec extends SparkPlan {
    private static final int BATCH = 1024;

    private final SparkPlan child;
    private final Expression queryVector;
    private final Attribute shardColumn;
    private final NearestScan.Target target;
    private final Attribute neighborId;
    private final Attribute distance;

    public NearestScanExec(SparkPlan child, Expression queryVector, Attribute shardColumn, NearestScan.Target target,
                           Attribute neighborId, Attribute distance) {
        this.child = child;
        this.queryVector = queryVector;
        this.shardColumn = shardColumn;
        this.target = target;
        this.neighborId = neighborId;
        this.distance = distance;
    }

    @Override
    public Seq<Attribute> output() {
        return NearestScan.output(child.output(), shardColumn, neighborId, distance);
    }

    @Override
    public AttributeSet producedAttributes() {
        return Catalyst.attributeSet(neighborId, distance);
    }

    @Override
    public RDD<InternalRow> doExecute() {
        Seq<Attribute> input = child.output();
        List<Attribute> withHit = new ArrayList<>(Catalyst.list(input));
        withHit.add(neighborId);
        withHit.add(distance);
        Seq<Attribute> hitSchema = Catalyst.seq(withHit);
        @SuppressWarnings("unchecked")
        Seq<Expression> out = (Seq<Expression>) (Seq<?>) output();
        Seq<Expression> vector = Catalyst.seq(queryVector);
        int shardOrdinal = Catalyst.list(input).indexOf(shardColumn);
        NearestScan.Target t = target;
        return child.execute().toJavaRDD().mapPartitions(rows -> (Iterator<InternalRow>) new Scan(rows, t, shardOrdinal,
                UnsafeProjection.create(vector, input), UnsafeProjection.create(out, hitSchema))).rdd();
    }

    /** Batches of a task's rows, searched in the batch's shard, flattened to one output row per hit. */
    private static final class Scan implements Iterator<InternalRow> {
        private final Iterator<InternalRow> rows;
        private final NearestScan.Target target;
        private final int shardOrdinal;
        private final UnsafeProjection vector;
        private final UnsafeProjection out;
        private final JoinedRow joined = new JoinedRow();
        private final List<InternalRow> pending = new ArrayList<>();
        private InternalRow carried; // the first row of the next shard, read while filling a batch
        private int next;

        Scan(Iterator<InternalRow> rows, NearestScan.Target target, int shardOrdinal, UnsafeProjection vector, UnsafeProjection out) {
            this.rows = rows;
            this.target = target;
            this.shardOrdinal = shardOrdinal;
            this.vector = vector;
            this.out = out;
        }

        @Override
        public boolean hasNext() {
            if (next < pending.size()) {
                return true;
            }
            pending.clear();
            next = 0;
            while (pending.isEmpty() && (carried != null || rows.hasNext())) {
                searchBatch();
            }
            return !pending.isEmpty();
        }

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return pending.get(next++);
        }

        /** Searches the next rows of one shard (the plan gives a task one shard; a change of shard ends a batch). */
        private void searchBatch() {
            List<InternalRow> batch = new ArrayList<>(BATCH);
            InternalRow first = carried != null ? carried : rows.next().copy();
            carried = null;
            batch.add(first);
            long shard = first.getLong(shardOrdinal);
            while (batch.size() < BATCH && rows.hasNext()) {
                InternalRow r = rows.next().copy();
                if (r.getLong(shardOrdinal) != shard) {
                    carried = r;
                    break;
                }
                batch.add(r);
            }
            QuantizedIndex index = ExecutorIndexCache.partitions(target.bundleDir(), target.generation(), target.witness(),
                    target.shards().get((int) shard));
            List<Integer> searched = new ArrayList<>(batch.size());
            List<float[]> queries = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                ArrayData v = vector.apply(batch.get(i)).getArray(0);
                if (v != null) {
                    if (v.numElements() != index.dim()) {
                        throw new InvalidInputException("a NEAREST BY query vector has dimension " + v.numElements() + " but the bundle "
                                + target.bundleDir() + " has dimension " + index.dim() + "; join vectors of the indexed dimension");
                    }
                    searched.add(i);
                    queries.add(v.toFloatArray());
                }
            }
            float[][] q = queries.toArray(float[][]::new);
            Neighbor[][] hits = index instanceof IvfRabitqIndex ivf
                    ? ivf.searchBatch(q, target.k(), target.nprobe() > 0 ? target.nprobe() : ivf.nprobe())
                    : index.searchBatch(q, target.k());
            Neighbor[][] byRow = new Neighbor[batch.size()][];
            for (int j = 0; j < searched.size(); j++) {
                byRow[searched.get(j)] = hits[j];
            }
            for (int i = 0; i < batch.size(); i++) {
                if (byRow[i] == null || byRow[i].length == 0) {
                    pending.add(emit(batch.get(i), null, null));
                } else {
                    for (Neighbor n : byRow[i]) {
                        pending.add(emit(batch.get(i), n.id(), n.distance()));
                    }
                }
            }
        }

        private InternalRow emit(InternalRow query, Long id, Float d) {
            return out.apply(joined.apply(query, new GenericInternalRow(new Object[] {id, d}))).copy();
        }
    }

    @Override
    public Seq<SparkPlan> children() {
        return Catalyst.seq(List.of(child));
    }

    @Override
    public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> newChildren) {
        return new NearestScanExec(newChildren.head(), queryVector, shardColumn, target, neighborId, distance);
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
        return that instanceof NearestScanExec;
    }
}
