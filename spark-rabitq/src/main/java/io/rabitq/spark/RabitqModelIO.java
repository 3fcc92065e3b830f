package io.rabitq.spark;

import io.rabitq.core.Codebook;
import io.rabitq.core.Metric;
import io.rabitq.core.RabitqException;
import io.rabitq.core.RecallCurve;
import io.rabitq.core.RotationKind;
import java.util.List;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Saves and loads a {@link RabitqModel} the way Spark ML persists models: {@code <path>/metadata} is Spark ML's
 * standard metadata (class, uid, Spark version, params and their defaults, written by {@code DefaultParamsWriter}),
 * {@code <path>/data} one Parquet row with the codebook. Works on any Hadoop file system Spark can write to.
 */
final class RabitqModelIO {
    private static final StructType DATA_SCHEMA = new StructType()
            .add("dim", DataTypes.IntegerType, false)
            .add("metric", DataTypes.StringType, false)
            .add("rotation", DataTypes.StringType, false)
            .add("seed", DataTypes.LongType, false)
            .add("codeBits", DataTypes.IntegerType, false)
            .add("nlist", DataTypes.IntegerType, false)
            .add("centroids", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("bits", DataTypes.IntegerType, true) // absent (null) in models saved before extended codes: 1
            .add("calibratedNprobe", DataTypes.IntegerType, true) // absent (null) before: 0, the formula's default
            .add("recallCurve", DataTypes.StringType, true); // absent (null) before: no recall targets

    private RabitqModelIO() {
    }

    /** {@code model.write().overwrite().save(path)} as in Spark ML. */
    static final class Writer extends MLWriter {
        private final RabitqModel model;

        Writer(RabitqModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sparkSession());
            Codebook b = model.codebook();
            float[] c = b.centroids();
            Float[] boxed = new Float[c.length];
            for (int i = 0; i < c.length; i++) {
                boxed[i] = c[i];
            }
            Row row = RowFactory.create(b.dim(), b.metric().name(), b.rotation().name(), b.seed(), b.codeBits(), b.nlist(), boxed, b.bits(),
                    model.calibratedNprobe(), model.recallCurve() == null ? null : model.recallCurve().format());
            sparkSession().createDataFrame(List.of(row), DATA_SCHEMA).coalesce(1).write().parquet(path + "/data");
        }
    }

    /** {@code RabitqModel.read().load(path)}. */
    static final class Reader extends MLReader<RabitqModel> {
        @Override
        public RabitqModel load(String path) {
            return RabitqModelIO.load(sparkSession(), path);
        }
    }

    static RabitqModel load(SparkSession spark, String path) {
        DefaultParamsReader.Metadata meta;
        List<Row> rows;
        try {
            meta = DefaultParamsReader.loadMetadata(path, spark, RabitqModel.class.getName());
            rows = spark.read().schema(DATA_SCHEMA).parquet(path + "/data").collectAsList();
        } catch (Exception e) { // Spark's AnalysisException is checked in Java's eyes but thrown undeclared
            throw new InvalidInputException("cannot load a RabitqModel from " + path + ": " + e.getMessage()
                    + " (save one with model.write().save(path))", e);
        }
        if (rows.size() != 1) {
            throw new InvalidInputException(path + "/data holds " + rows.size() + " rows; a saved RabitqModel has exactly one");
        }
        Row r = rows.get(0);
        List<Float> c = r.getList(6);
        float[] centroids = new float[c.size()];
        for (int i = 0; i < centroids.length; i++) {
            centroids[i] = c.get(i);
        }
        Codebook codebook;
        try {
            codebook = new Codebook(Metric.valueOf(r.getString(1)), r.getInt(0), RotationKind.valueOf(r.getString(2)), r.getLong(3),
                    r.getInt(4), r.isNullAt(7) ? 1 : r.getInt(7), centroids);
        } catch (IllegalArgumentException | RabitqException e) {
            throw new InvalidInputException(path + " is corrupt: " + e.getMessage(), e);
        }
        if (codebook.nlist() != r.getInt(5)) {
            throw new InvalidInputException(path + " is corrupt: " + c.size() + " centroid values for nlist " + r.getInt(5)
                    + " x dim " + r.getInt(0));
        }
        RecallCurve curve;
        try {
            curve = r.isNullAt(9) ? null : RecallCurve.parse(r.getString(9));
        } catch (RabitqException e) {
            throw new InvalidInputException(path + " is corrupt: " + e.getMessage(), e);
        }
        RabitqModel model = new RabitqModel(meta.uid(), codebook, r.isNullAt(8) ? 0 : r.getInt(8), curve);
        meta.getAndSetParams(model, scala.Option.empty());
        return model;
    }
}
