package io.rabitq.bundle;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arrow schemas of the data files. Partition rows: {@code id int64, cluster int32,
 * code fixed_size_binary[bits * paddedDim/8], <factor> float32..., [raw fixed_size_list<float32>[dim]]}, all non-null.
 * Centroids: one row per cluster, {@code centroid fixed_size_list<float32>[dim]}. Deletion sets: {@code id int64}.
 */
final class PartitionSchema {
    static final String ID = "id";
    static final String CLUSTER = "cluster";
    static final String CODE = "code";
    static final String RAW = "raw";
    static final String CENTROID = "centroid";
    private static final ArrowType FLOAT = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);

    private PartitionSchema() {
    }

    static Schema partition(int dim, int codeBytes, List<String> factorColumns, boolean hasRaw) {
        List<Field> fields = new ArrayList<>();
        fields.add(new Field(ID, FieldType.notNullable(new ArrowType.Int(64, true)), null));
        fields.add(new Field(CLUSTER, FieldType.notNullable(new ArrowType.Int(32, true)), null));
        fields.add(new Field(CODE, FieldType.notNullable(new ArrowType.FixedSizeBinary(codeBytes)), null));
        for (String f : factorColumns) {
            fields.add(new Field(f, FieldType.notNullable(FLOAT), null));
        }
        if (hasRaw) {
            fields.add(vectorField(RAW, dim));
        }
        return new Schema(fields);
    }

    /** A partition's deletion set: the deleted ids, strictly ascending. */
    static Schema deletes() {
        return new Schema(List.of(new Field(ID, FieldType.notNullable(new ArrowType.Int(64, true)), null)));
    }

    static Schema centroids(int dim) {
        return new Schema(List.of(vectorField(CENTROID, dim)));
    }

    private static Field vectorField(String name, int dim) {
        return new Field(name, FieldType.notNullable(new ArrowType.FixedSizeList(dim)),
                List.of(new Field("element", FieldType.notNullable(FLOAT), null)));
    }
}
