package io.rabitq.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rabitq.core.Metric;
import io.rabitq.core.RotationKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Saves and loads a {@link RabitqModel} the way Spark ML persists models: {@code <path>/metadata} holds one
 * JSON line (class, format version, Spark version, parameters) and {@code <path>/data} one Parquet row with the
 * centroids. Works on any Hadoop file system Spark can write to.
 */
final class RabitqModelIO {
    static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final StructType DATA_SCHEMA = new StructType()
            .add("nlist", DataTypes.IntegerType, false)
            .add("centroids", DataTypes.createArrayType(DataTypes.FloatType, false), false);

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
            ObjectNode meta = JSON.createObjectNode()
                    .put("class", RabitqModel.class.getName())
                    .put("formatVersion", FORMAT_VERSION)
                    .put("timestamp", System.currentTimeMillis())
                    .put("sparkVersion", sparkSession().version());
            meta.putObject("paramMap")
                    .put("idCol", model.idCol()).put("inputCol", model.inputCol()).put("dim", model.dim())
                    .put("metric", model.metric().name()).put("rotation", model.rotation().name())
                    .put("seed", model.seed()).put("codeBits", model.codeBits());
            sparkSession().createDataset(List.of(meta.toString()), Encoders.STRING()).coalesce(1).write().text(path + "/metadata");
            List<Object> centroids = new ArrayList<>();
            for (float f : model.centroids()) {
                centroids.add(f);
            }
            sparkSession().createDataFrame(List.of(RowFactory.create(model.nlist(), centroids.toArray())), DATA_SCHEMA)
                    .coalesce(1).write().parquet(path + "/data");
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
        JsonNode meta;
        Row data;
        try {
            List<String> lines = spark.read().text(path + "/metadata").as(Encoders.STRING()).collectAsList();
            meta = JSON.readTree(lines.isEmpty() ? "" : lines.get(0));
            Dataset<Row> rows = spark.read().schema(DATA_SCHEMA).parquet(path + "/data");
            List<Row> all = rows.collectAsList();
            if (all.size() != 1) {
                throw new InvalidInputException(path + "/data holds " + all.size() + " rows; a saved RabitqModel has exactly one");
            }
            data = all.get(0);
        } catch (InvalidInputException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidInputException("cannot load a RabitqModel from " + path + ": " + e.getMessage()
                    + " (save one with model.write().save(path))", e);
        }
        if (meta == null || !RabitqModel.class.getName().equals(meta.path("class").asText())) {
            throw new InvalidInputException(path + " does not hold a RabitqModel (metadata class '"
                    + (meta == null ? "" : meta.path("class").asText()) + "')");
        }
        if (meta.path("formatVersion").asInt(-1) != FORMAT_VERSION) {
            throw new InvalidInputException(path + " was saved in RabitqModel format " + meta.path("formatVersion")
                    + "; this version reads format " + FORMAT_VERSION);
        }
        JsonNode p = meta.path("paramMap");
        int dim = p.path("dim").asInt(-1);
        int nlist = data.getInt(0);
        List<Float> c = data.getList(1);
        if (dim < 1 || nlist < 1 || c.size() != (long) nlist * dim) {
            throw new InvalidInputException(path + " is corrupt: " + c.size() + " centroid values for nlist " + nlist + " x dim " + dim);
        }
        float[] centroids = new float[c.size()];
        for (int i = 0; i < centroids.length; i++) {
            centroids[i] = c.get(i);
        }
        try {
            return new RabitqModel(p.path("idCol").asText(), p.path("inputCol").asText(), dim, Metric.valueOf(p.path("metric").asText()),
                    RotationKind.valueOf(p.path("rotation").asText()), p.path("seed").asLong(), p.path("codeBits").asInt(), centroids, nlist);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(path + " has invalid model parameters: " + e.getMessage(), e);
        }
    }
}
