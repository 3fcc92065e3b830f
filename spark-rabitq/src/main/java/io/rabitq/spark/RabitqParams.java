package io.rabitq.spark;

import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;

/**
 * The typed, documented and validated parameters of {@link RabitqIndexer} and {@link RabitqModel}, defined once.
 * Each factory binds a parameter to its owner's uid; the owner sets the default shown here.
 */
final class RabitqParams {
    private RabitqParams() {
    }

    static Param<String> idCol(String owner) {
        return new Param<>(owner, "idCol", "id column: bigint or int, one per row (default id)", nonEmpty());
    }

    static Param<String> inputCol(String owner) {
        return new Param<>(owner, "inputCol", "vector column: array<float>, array<double> or an ML Vector (default vector)", nonEmpty());
    }

    static Param<String> outputCol(String owner) {
        return new Param<>(owner, "outputCol",
                "column transform adds: array<struct<id:bigint, distance:float>>, nearest first (default neighbors)", nonEmpty());
    }

    static Param<String> bundlePath(String owner) {
        return new Param<>(owner, "bundlePath",
                "bundle directory; when set, fit indexes the training rows into it and transform searches it", nonEmpty());
    }

    static IntParam k(String owner) {
        return new IntParam(owner, "k", "neighbours per query (>= 1, default 10)", ParamValidators.gtEq(1));
    }

    static IntParam nprobe(String owner) {
        return new IntParam(owner, "nprobe", "IVF clusters probed per query (>= 0, default 0: the bundle's default)",
                ParamValidators.gtEq(0));
    }

    static Param<String> metric(String owner) {
        return new Param<>(owner, "metric", "distance: l2 (squared Euclidean), ip (inner product) or cosine (default l2)",
                ParamValidators.inArray(List.of("l2", "ip", "cosine")));
    }

    static IntParam nlist(String owner) {
        return new IntParam(owner, "nlist", "IVF clusters (>= 0, default 0: 4 sqrt(n), at most n / 100)", ParamValidators.gtEq(0));
    }

    static IntParam sampleSize(String owner) {
        return new IntParam(owner, "sampleSize", "most rows collected to the driver for k-means (>= 1, default 200000)",
                ParamValidators.gtEq(1));
    }

    static LongParam seed(String owner) {
        return new LongParam(owner, "seed", "seed of the sample, k-means and rotation (default 42)");
    }

    static Param<String> rotation(String owner) {
        return new Param<>(owner, "rotation", "random rotation: fht_kac (fast, default) or haar_dense",
                ParamValidators.inArray(List.of("fht_kac", "haar_dense")));
    }

    static IntParam bits(String owner) {
        return new IntParam(owner, "bits", "code bits per dimension, 1 to 9: 1 = sign bits only, each more bit (extended "
                + "RaBitQ) about halves the estimation error (default " + io.rabitq.core.IvfRabitqIndex.DEFAULT_BITS + ")",
                ParamValidators.inRange(1, 9));
    }

    static BooleanParam storeRaw(String owner) {
        return new BooleanParam(owner, "storeRaw", "keep raw vectors in the bundle for the exact rerank (default "
                + io.rabitq.core.IvfRabitqIndex.DEFAULT_STORE_RAW + "; without them results rank by the code's estimate)");
    }

    static IntParam partitions(String owner) {
        return new IntParam(owner, "partitions",
                "bundle partition files fit writes (>= 0, default 0: one per core, spark.default.parallelism)", ParamValidators.gtEq(0));
    }

    private static scala.Function1<String, Object> nonEmpty() {
        return new NonEmpty();
    }

    /** Accepts non-blank strings. */
    private static final class NonEmpty extends scala.runtime.AbstractFunction1<String, Object> implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(String s) {
            return s != null && !s.isBlank();
        }
    }
}
