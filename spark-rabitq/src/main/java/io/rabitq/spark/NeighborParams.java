package io.rabitq.spark;

import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params {@link RabitqIndexer} and {@link RabitqModel} share — a fitted model inherits their values — with their
 * getters and setters: the id, vector and output columns, the bundle to index into and search, {@code k} and
 * {@code nprobe}. Implementations hold one {@link NeighborParamSet} made with their uid and call
 * {@link #setNeighborDefaults} from their constructor.
 *
 * @param <T> the implementing stage, returned by the setters
 */
public interface NeighborParams<T extends NeighborParams<T>> extends Params {
    /** The shared Param objects, bound to the implementing stage's uid. */
    NeighborParamSet neighborParams();

    default Param<String> idCol() {
        return neighborParams().idCol;
    }

    default Param<String> inputCol() {
        return neighborParams().inputCol;
    }

    default Param<String> outputCol() {
        return neighborParams().outputCol;
    }

    default Param<String> bundlePath() {
        return neighborParams().bundlePath;
    }

    default IntParam k() {
        return neighborParams().k;
    }

    default IntParam nprobe() {
        return neighborParams().nprobe;
    }

    default String getIdCol() {
        return getOrDefault(idCol());
    }

    default String getInputCol() {
        return getOrDefault(inputCol());
    }

    default String getOutputCol() {
        return getOrDefault(outputCol());
    }

    /** The bundle to index into (estimator) or search (model), or null when none is set. */
    default String getBundlePath() {
        return isDefined(bundlePath()) ? getOrDefault(bundlePath()) : null;
    }

    default int getK() {
        return (Integer) getOrDefault(k());
    }

    default int getNprobe() {
        return (Integer) getOrDefault(nprobe());
    }

    default T setIdCol(String value) {
        return self(set(idCol(), value));
    }

    default T setInputCol(String value) {
        return self(set(inputCol(), value));
    }

    default T setOutputCol(String value) {
        return self(set(outputCol(), value));
    }

    default T setBundlePath(String value) {
        return self(set(bundlePath(), value));
    }

    default T setK(int value) {
        return self(set(k(), value));
    }

    default T setNprobe(int value) {
        return self(set(nprobe(), value));
    }

    /** Sets the shared params' defaults: columns id, vector and neighbors, k 10, nprobe 0 (the bundle's default). */
    default void setNeighborDefaults() {
        setDefault(idCol(), "id");
        setDefault(inputCol(), "vector");
        setDefault(outputCol(), "neighbors");
        setDefault(k(), 10);
        setDefault(nprobe(), 0);
    }

    @SuppressWarnings("unchecked")
    private T self(Params p) {
        return (T) p;
    }
}
