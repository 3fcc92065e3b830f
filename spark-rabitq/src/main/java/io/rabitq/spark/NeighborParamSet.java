package io.rabitq.spark;

import java.io.Serializable;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;

/** The Param objects of {@link NeighborParams} for one stage (uid). */
public final class NeighborParamSet implements Serializable {
    private static final long serialVersionUID = 1L;

    final Param<String> idCol;
    final Param<String> inputCol;
    final Param<String> outputCol;
    final Param<String> bundlePath;
    final IntParam k;
    final IntParam nprobe;

    NeighborParamSet(String uid) {
        idCol = RabitqParams.idCol(uid);
        inputCol = RabitqParams.inputCol(uid);
        outputCol = RabitqParams.outputCol(uid);
        bundlePath = RabitqParams.bundlePath(uid);
        k = RabitqParams.k(uid);
        nprobe = RabitqParams.nprobe(uid);
    }
}
