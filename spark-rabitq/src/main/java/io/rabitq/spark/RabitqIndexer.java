package io.rabitq.spark;

import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.KMeans;
import io.rabitq.core.Kernels;
import io.rabitq.core.Metric;
import io.rabitq.core.Rotation;
import io.rabitq.core.RotationKind;
import io.rabitq.core.Vectors;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Trains a {@link RabitqModel} on a DataFrame, Estimator style:
 * {@code new RabitqIndexer().setIdCol("id").setInputCol("embedding").fit(df)}. Training takes a seeded sample
 * (at most {@link #setSampleSize} rows, never the whole table) to the driver, runs k-means for the IVF
 * centroids and fixes the rotation by (kind, seed, dimension).
 */
public final class RabitqIndexer {
    private String idCol = "id";
    private String inputCol = "vector";
    private Metric metric = Metric.L2;
    private long seed = 42;
    private int nlist;
    private int sampleSize = 200_000;
    private RotationKind rotation = RotationKind.FHT_KAC;

    public RabitqIndexer setIdCol(String c) {
        this.idCol = c;
        return this;
    }

    public RabitqIndexer setInputCol(String c) {
        this.inputCol = c;
        return this;
    }

    public RabitqIndexer setMetric(String m) {
        this.metric = Metric.parse(m);
        return this;
    }

    public RabitqIndexer setSeed(long s) {
        this.seed = s;
        return this;
    }

    /** Number of IVF clusters; 0 (default) means {@link IvfRabitqIndex#defaultNlist}: 4 sqrt(n), at most n / 100. */
    public RabitqIndexer setNlist(int n) {
        if (n < 0) {
            throw new InvalidInputException("nlist must be >= 0 (0 = automatic) but was " + n);
        }
        this.nlist = n;
        return this;
    }

    /** Upper bound on the rows collected to the driver for k-means. */
    public RabitqIndexer setSampleSize(int n) {
        if (n < 1) {
            throw new InvalidInputException("sampleSize must be >= 1 but was " + n);
        }
        this.sampleSize = n;
        return this;
    }

    public RabitqIndexer setRotation(String kind) {
        this.rotation = RotationKind.valueOf(kind.toUpperCase(java.util.Locale.ROOT));
        return this;
    }

    public String getIdCol() {
        return idCol;
    }

    public String getInputCol() {
        return inputCol;
    }

    /** Trains centroids on a sample of {@code df}. */
    public RabitqModel fit(Dataset<Row> df) {
        Dataset<Row> rowsIn = VectorColumns.select(df, idCol, inputCol);
        long n = rowsIn.count();
        if (n == 0) {
            throw new InvalidInputException("the input DataFrame is empty; nothing to index");
        }
        int k = nlist > 0 ? nlist : IvfRabitqIndex.defaultNlist(n);
        double fraction = Math.min(1.0, 1.1 * sampleSize / n);
        List<Row> sample = rowsIn.sample(false, fraction, seed).limit(sampleSize).collectAsList();
        if (sample.isEmpty()) {
            sample = rowsIn.limit(sampleSize).collectAsList();
        }
        int dim = sample.get(0).isNullAt(1) ? -1 : sample.get(0).getList(1).size();
        if (dim < 1) {
            throw new InvalidInputException("column '" + inputCol + "' holds null or empty vectors; filter them out first");
        }
        float[] rows = new float[sample.size() * dim];
        for (int i = 0; i < sample.size(); i++) {
            Row r = sample.get(i);
            float[] v = VectorColumns.read(r, 1, dim, r.get(0));
            if (metric == Metric.COSINE) {
                v = Vectors.normalized("vector of row " + r.get(0), v);
            }
            System.arraycopy(v, 0, rows, i * dim, dim);
        }
        k = Math.min(k, sample.size());
        float[] centroids = KMeans.train(rows, sample.size(), dim, k, seed, KMeans.DEFAULT_ITERATIONS, Kernels.scan());
        return new RabitqModel(idCol, inputCol, dim, metric, rotation, seed, Rotation.paddedDim(dim), centroids, k);
    }
}
