package io.rabitq.lake;

import io.delta.kernel.data.ArrayValue;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import java.util.Optional;

/** Turns Delta Kernel column batches of {@code (id bigint, vector array<float|double>)} into {@link VectorBatch}es. */
final class KernelVectors {
    private KernelVectors() {
    }

    /** The read schema for the two columns of {@code table}, checked to be {@code bigint} and an array of floats or doubles. */
    static StructType readSchema(StructType table, String idCol, String vectorCol, String where) {
        StructField id = field(table, idCol, where);
        StructField vec = field(table, vectorCol, where);
        if (!(id.getDataType() instanceof LongType)) {
            throw new LakeException(where + ": id column '" + idCol + "' is " + id.getDataType() + "; it must be bigint (long)");
        }
        if (!(vec.getDataType() instanceof ArrayType a) || !(a.getElementType() instanceof FloatType || a.getElementType() instanceof DoubleType)) {
            throw new LakeException(where + ": vector column '" + vectorCol + "' is " + vec.getDataType()
                    + "; it must be array<float> or array<double>");
        }
        return new StructType().add(id).add(vec);
    }

    private static StructField field(StructType table, String name, String where) {
        if (table.indexOf(name) < 0) {
            throw new LakeException(where + " has no column '" + name + "' (columns: " + table.fieldNames() + ")");
        }
        return table.get(name);
    }

    /** The selected rows of {@code batch} (column 0 ids, column 1 vectors), or null when none is selected. */
    static VectorBatch convert(FilteredColumnarBatch filtered, String where) {
        ColumnarBatch batch = filtered.getData();
        Optional<ColumnVector> selection = filtered.getSelectionVector();
        ColumnVector ids = batch.getColumnVector(0);
        ColumnVector vectors = batch.getColumnVector(1);
        DataType element = ((ArrayType) vectors.getDataType()).getElementType();
        int n = batch.getSize();
        long[] outIds = new long[n];
        float[] out = null;
        int dim = -1;
        int m = 0;
        for (int r = 0; r < n; r++) {
            if (selection.isPresent() && (selection.get().isNullAt(r) || !selection.get().getBoolean(r))) {
                continue; // deleted by a deletion vector
            }
            if (ids.isNullAt(r) || vectors.isNullAt(r)) {
                throw new LakeException(where + " has a row with a null id or vector; filter them out");
            }
            ArrayValue a = vectors.getArray(r);
            ColumnVector e = a.getElements();
            if (dim < 0) {
                dim = a.getSize();
                out = new float[n * dim];
            } else if (a.getSize() != dim) {
                throw new LakeException(where + ": vector of id " + ids.getLong(r) + " has dimension " + a.getSize()
                        + " but earlier rows have " + dim + "; all vectors must have the same dimension");
            }
            for (int d = 0; d < dim; d++) {
                if (e.isNullAt(d)) {
                    throw new LakeException(where + ": vector of id " + ids.getLong(r) + " has a null component at " + d);
                }
                out[m * dim + d] = element instanceof FloatType ? e.getFloat(d) : (float) e.getDouble(d);
            }
            outIds[m++] = ids.getLong(r);
        }
        if (m == 0 || dim < 1) {
            return null;
        }
        return new VectorBatch(java.util.Arrays.copyOf(outIds, m), java.util.Arrays.copyOf(out, m * dim), dim);
    }
}
