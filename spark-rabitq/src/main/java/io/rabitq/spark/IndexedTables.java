package io.rabitq.spark;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.Manifest;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A Delta table's registered index: three table properties name the bundle and the columns it indexes, so that
 * {@code SHOW TBLPROPERTIES} shows them, they travel with the table and every session that reads the table finds
 * them. {@code APPROX NEAREST BY} joins against the table are planned as a bundle search when the bundle still
 * covers the version being read (see {@link NearestByRewrite}).
 * <pre>
 * rabitq.bundle        = /bundles/docs
 * rabitq.idColumn      = id
 * rabitq.vectorColumn  = embedding
 * </pre>
 */
public final class IndexedTables {
    public static final String BUNDLE = "rabitq.bundle";
    public static final String ID_COLUMN = "rabitq.idColumn";
    public static final String VECTOR_COLUMN = "rabitq.vectorColumn";

    private IndexedTables() {
    }

    /** A registration read back from a table's properties. */
    public record Registration(String bundleDir, String idColumn, String vectorColumn) {
    }

    /** The registration in a table's properties, if all three are set. */
    static Optional<Registration> of(Map<String, String> properties) {
        String bundle = properties.get(BUNDLE);
        String id = properties.get(ID_COLUMN);
        String vector = properties.get(VECTOR_COLUMN);
        return bundle == null || id == null || vector == null ? Optional.empty() : Optional.of(new Registration(bundle, id, vector));
    }

    /**
     * Registers the bundle at {@code bundleDir} as the index of the Delta table at {@code tablePath} (one commit that
     * changes only the table's properties). The bundle must have been built from this table, from {@code idCol} and
     * {@code vectorCol}, which must exist with id and vector types.
     */
    public static void register(SparkSession spark, String tablePath, String bundleDir, String idCol, String vectorCol) {
        String table = Path.of(tablePath).toAbsolutePath().normalize().toString();
        if (!RabitqReindex.sourceRef(table).startsWith("delta:")) {
            throw new InvalidInputException(tablePath + " is not a Delta table; only Delta tables can carry a registered index");
        }
        String bundle = Path.of(bundleDir).toAbsolutePath().normalize().toString();
        try (Bundle b = Bundle.open(Path.of(bundle), Bundle.Verification.QUICK)) {
            Manifest m = b.manifest();
            if (!RabitqReindex.sameSource(m.sourceRef(), table)) {
                throw new InvalidInputException("bundle " + bundle + " was built from " + m.sourceRef() + ", not from " + table
                        + "; index this table into its own bundle first");
            }
        } catch (BundleException e) {
            throw new InvalidInputException("bundle " + bundle + " cannot be registered: " + e.getMessage(), e);
        }
        StructType schema = spark.read().format("delta").load(table).schema();
        VectorColumns.check(schema, idCol, vectorCol);
        spark.sql("ALTER TABLE delta.`" + table.replace("`", "``") + "` SET TBLPROPERTIES ("
                + property(BUNDLE, bundle) + ", " + property(ID_COLUMN, idCol) + ", " + property(VECTOR_COLUMN, vectorCol) + ")");
    }

    private static String property(String key, String value) {
        return "'" + key + "' = '" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
