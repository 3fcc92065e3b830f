package io.rabitq.spark;

import io.rabitq.core.FlatIndex;
import io.rabitq.core.Metric;
import io.rabitq.core.Neighbor;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.Tuple2;

/**
 * Exact distributed brute force, the ground truth for {@code evaluate} and the baseline for benchmarks: the
 * queries are broadcast, every partition of the vector table computes exact distances (same Vector API kernel as
 * {@link FlatIndex}) and keeps a top-k per query, and a bounded merge per query gives the result, in the schema
 * of {@link RabitqSearch#RESULT_SCHEMA}.
 */
public final class ExactSearch {
    private ExactSearch() {
    }

    public static Dataset<Row> searchBatch(Dataset<Row> base, String idCol, String vectorCol, Dataset<Row> queries,
                                           String queryIdCol, String queryVectorCol, Metric metric, int k) {
        io.rabitq.core.Vectors.checkK(k);
        Dataset<Row> baseRows = VectorColumns.select(base, idCol, vectorCol);
        List<Row> rows = VectorColumns.select(queries, queryIdCol, queryVectorCol).collectAsList();
        if (rows.isEmpty()) {
            return base.sparkSession().createDataFrame(new ArrayList<Row>(), RabitqSearch.RESULT_SCHEMA);
        }
        int dim = rows.get(0).getList(1).size();
        long[] qids = new long[rows.size()];
        float[][] qvec = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            qids[i] = VectorColumns.id(rows.get(i));
            qvec[i] = VectorColumns.read(rows.get(i), 1, dim, qids[i]);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(base.sparkSession().sparkContext());
        Broadcast<float[][]> vectors = jsc.broadcast(qvec);
        Broadcast<long[]> ids = jsc.broadcast(qids);
        JavaRDD<Row> out = baseRows.javaRDD()
                .mapPartitionsToPair(it -> {
                    FlatIndex flat = new FlatIndex(dim, metric);
                    while (it.hasNext()) {
                        Row r = it.next();
                        long id = VectorColumns.id(r);
                        flat.add(id, VectorColumns.read(r, 1, dim, id));
                    }
                    List<Tuple2<Long, BatchSearch.Answer>> res = new ArrayList<>();
                    Neighbor[][] nn = flat.size() == 0 ? null : flat.searchBatch(vectors.value(), k);
                    for (int j = 0; j < ids.value().length; j++) {
                        res.add(new Tuple2<>(ids.value()[j], BatchSearch.Answer.of(null, nn == null ? new Neighbor[0] : nn[j])));
                    }
                    return res.iterator();
                })
                .reduceByKey((a, b) -> a.merge(b, k))
                .map(t -> RowFactory.create(t._1(), (Object) t._2().neighbors()));
        return base.sparkSession().createDataFrame(out, RabitqSearch.RESULT_SCHEMA);
    }
}
