package io.rabitq.spark;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;

import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Neighbor;
import io.rabitq.core.QuantizedIndex;
import io.rabitq.core.RecallCurve;
import io.rabitq.core.Vectors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.ArrayType;

/**
 * Row-wise search as a column function and a SQL function. Each executor loads the bundle once (and picks up
 * republished generations within seconds); use it when the index fits one executor's memory, and
 * {@link RabitqSearch#searchBatch} — which splits the bundle across tasks — when it does not.
 *
 * <pre>
 * df.withColumn("nn", RabitqFunctions.rabitqSearch(col("embedding"), "/bundles/docs", 10));
 * SELECT rabitq_search(embedding, '/bundles/docs', 10) FROM queries        -- with RabitqExtensions installed
 * SELECT rabitq_search(embedding, '/bundles/docs', 10, 16) FROM queries    -- explicit nprobe (0 = default)
 * SELECT rabitq_search(embedding, '/bundles/docs', 10, 0.95) FROM queries  -- the recall@10 wanted (a fraction)
 * </pre>
 */
public final class RabitqFunctions {
    /** SQL name of the function registered by {@link #register} and {@link RabitqExtensions}. */
    public static final String SQL_NAME = "rabitq_search";
    static final ArrayType RESULT_TYPE = (ArrayType) RabitqSearch.RESULT_SCHEMA.apply("neighbors").dataType();

    private static final UserDefinedFunction SEARCH = udf(
            (UDF5<Object, String, Integer, Integer, Double, List<Row>>) RabitqFunctions::search, RESULT_TYPE);

    private RabitqFunctions() {
    }

    /** The {@code k} nearest neighbours of the vector in {@code vector} in the bundle at {@code bundlePath}. */
    public static Column rabitqSearch(Column vector, String bundlePath, int k) {
        return rabitqSearch(vector, bundlePath, k, 0);
    }

    /** As {@link #rabitqSearch(Column, String, int)} with an explicit nprobe (0 = the bundle's default). */
    public static Column rabitqSearch(Column vector, String bundlePath, int k, int nprobe) {
        Vectors.checkK(k);
        Vectors.checkNprobeOrDefault(nprobe);
        ExecutorIndexCache.wholeBundle(bundlePath); // fail on the driver, before the job, if the bundle is missing or damaged
        return SEARCH.apply(vector, lit(bundlePath), lit(k), lit(nprobe), lit(0.0));
    }

    /**
     * As {@link #rabitqSearch(Column, String, int)}, probing as many clusters as the bundle's recall curve says reach
     * recall@10 {@code recall} (in (0, 1]; see {@link RabitqSearch#nprobeForRecall}).
     */
    public static Column rabitqSearch(Column vector, String bundlePath, int k, double recall) {
        Vectors.checkK(k);
        RecallCurve.checkTarget(recall);
        if (ExecutorIndexCache.wholeBundle(bundlePath) instanceof IvfRabitqIndex ivf) {
            ivf.nprobeFor(recall); // fails here, before the job, if the bundle records no recall curve
        }
        return SEARCH.apply(vector, lit(bundlePath), lit(k), lit(0), lit(recall));
    }

    /**
     * Registers {@code rabitq_search(vector, bundle_path, k, nprobe, recall)} for SQL in this session (all five
     * arguments, 0 for the one not used; {@link RabitqExtensions} also accepts the shorter forms).
     */
    public static void register(SparkSession spark) {
        spark.udf().register(SQL_NAME, SEARCH);
    }

    /**
     * The search of one row; {@code vector} is an array column's {@code Seq} or an ML {@code Vector}. An nprobe above
     * 0 is used as given, else a recall above 0 chooses it from the bundle's recall curve, else the bundle's default.
     */
    static List<Row> search(Object vector, String bundlePath, Integer k, Integer nprobe, Double recall) {
        if (vector == null) {
            return null;
        }
        if (bundlePath == null || k == null) {
            throw new InvalidInputException(SQL_NAME + " needs a bundle path and k, got path=" + bundlePath + ", k=" + k);
        }
        Vectors.checkK(k);
        QuantizedIndex index = ExecutorIndexCache.wholeBundle(bundlePath);
        float[] q = VectorColumns.toFloats(vector, index.dim(), "a " + SQL_NAME + " query against " + bundlePath);
        Neighbor[] res;
        if (index instanceof IvfRabitqIndex ivf && nprobe != null && nprobe > 0) {
            res = ivf.searchBatch(new float[][] {q}, k, nprobe)[0];
        } else if (index instanceof IvfRabitqIndex ivf && recall != null && recall > 0) {
            res = ivf.searchBatch(new float[][] {q}, k, ivf.nprobeFor(recall))[0];
        } else {
            res = index.search(q, k);
        }
        List<Row> out = new ArrayList<>(res.length);
        for (Neighbor n : res) {
            out.add(RowFactory.create(n.id(), n.distance()));
        }
        return out;
    }
}
