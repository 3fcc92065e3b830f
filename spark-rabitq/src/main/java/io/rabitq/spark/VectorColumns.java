package io.rabitq.spark;

import static org.apache.spark.sql.functions.col;

import java.util.Arrays;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Checks and reads the id and vector columns of an input DataFrame. */
public final class VectorColumns {
    private VectorColumns() {
    }

    /**
     * Checks the columns and returns {@code (id bigint, vector array, more...)}, ML {@code Vector}s converted to
     * {@code array<float>}. Refuses, with what to fix, an id column that is not integral and a vector column that is
     * not an array of float or double or an ML {@code Vector}.
     */
    public static Dataset<Row> select(Dataset<Row> df, String idCol, String vectorCol, Column... more) {
        check(df.schema(), idCol, vectorCol);
        Column[] columns = new Column[2 + more.length];
        columns[0] = col(idCol).cast(DataTypes.LongType).as("id");
        columns[1] = asArray(df.schema(), vectorCol).as("vector");
        System.arraycopy(more, 0, columns, 2, more.length);
        return df.select(columns);
    }

    /** The vector column as an array column: ML {@code Vector}s converted to {@code array<float>}, arrays as they are. */
    private static Column asArray(StructType schema, String vectorCol) {
        return schema.apply(vectorCol).dataType().equals(SQLDataTypes.VectorType())
                ? functions.vector_to_array(col(vectorCol), "float32") : col(vectorCol);
    }

    /**
     * Fails unless {@code idCol} is an integral column and {@code vectorCol} an array of float or double or an ML
     * {@code Vector}.
     */
    static void check(StructType schema, String idCol, String vectorCol) {
        StructField id = field(schema, idCol, "id");
        DataType t = id.dataType();
        if (!(t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType))) {
            throw new InvalidInputException("id column '" + idCol + "' has type " + t.simpleString()
                    + "; ids must be bigint or int (cast or hash string keys to bigint first)");
        }
        checkVector(schema, vectorCol);
    }

    /** Fails unless {@code vectorCol} is an array of float or double or an ML {@code Vector}. */
    static void checkVector(StructType schema, String vectorCol) {
        StructField vec = field(schema, vectorCol, "vector");
        if (vec.dataType().equals(SQLDataTypes.VectorType())) {
            return;
        }
        if (!(vec.dataType() instanceof ArrayType)
                || !(((ArrayType) vec.dataType()).elementType().equals(DataTypes.FloatType)
                || ((ArrayType) vec.dataType()).elementType().equals(DataTypes.DoubleType))) {
            throw new InvalidInputException("vector column '" + vectorCol + "' has type " + vec.dataType().simpleString()
                    + "; it must be array<float>, array<double> or an ML Vector");
        }
    }

    private static StructField field(StructType schema, String name, String role) {
        if (name == null) {
            throw new InvalidInputException("set the " + role + " column name");
        }
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(name)).findFirst().orElseThrow(() ->
                new InvalidInputException(role + " column '" + name + "' does not exist; available columns: "
                        + String.join(", ", schema.fieldNames())));
    }

    /** The id in column 0 of a row of {@link #select}. */
    static long id(Row row) {
        if (row.isNullAt(0)) {
            throw new InvalidInputException("a row has a null id; every row needs a bigint id");
        }
        return row.getLong(0);
    }

    /** The vector in column {@code i} of {@code row} as floats, rejecting nulls, NaN/Inf and wrong dimensions. */
    static float[] read(Row row, int i, int dim, Object idForMessages) {
        return toFloats(row.isNullAt(i) ? null : row.getList(i), dim, idForMessages);
    }

    /**
     * A UDF's vector argument as floats, with the same checks: a Scala {@code Seq} (from an array column) or an ML
     * {@code Vector} (from a vector column).
     */
    static float[] toFloats(Object value, int dim, Object idForMessages) {
        if (value instanceof org.apache.spark.ml.linalg.Vector v) {
            return toFloats(java.util.Arrays.stream(v.toArray()).boxed().toList(), dim, idForMessages);
        }
        @SuppressWarnings("unchecked")
        scala.collection.Seq<Object> seq = (scala.collection.Seq<Object>) value;
        return toFloats(seq == null ? null : scala.jdk.javaapi.CollectionConverters.asJava(seq), dim, idForMessages);
    }

    /** How a message names the vector: {@code row with id 42} for row ids, else the description given. */
    private static String what(Object id) {
        return id instanceof Number ? "row with id " + id : String.valueOf(id);
    }

    private static float[] toFloats(java.util.List<?> values, int dim, Object id) {
        if (values == null) {
            throw new InvalidInputException(what(id) + " has a null vector; filter nulls out first");
        }
        if (values.size() != dim) {
            throw new InvalidInputException(what(id) + " has a vector of dimension " + values.size()
                    + " but the index has dimension " + dim + "; all vectors must have the index's dimension");
        }
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) {
            Object v = values.get(d);
            if (v == null) {
                throw new InvalidInputException(what(id) + " has a null component at index " + d);
            }
            out[d] = ((Number) v).floatValue();
            if (!Float.isFinite(out[d])) {
                throw new InvalidInputException(what(id) + " has a non-finite component " + out[d]
                        + " at index " + d + "; clean NaN/Infinity values first");
            }
        }
        return out;
    }
}
