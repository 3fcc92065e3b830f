package io.rabitq.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Manifest;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Metric;
import io.rabitq.core.Neighbor;
import io.rabitq.lake.IndexBundles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end bar on local[2]: a Delta table of 200,000 x 128 -> a bundle of >= 4 partitions ->
 * searchBatch of 1,000 queries: recall@10 >= 0.95 against exact distributed brute force, the source version in
 * the manifest, and exactly the single-process index's top-k (ids and distances) for every query.
 */
class EndToEndTest {
    @TempDir
    Path dir;

    @Test
    void deltaTableToBundleToSearchBatch() {
        SparkSession spark = TestSpark.session();
        String table = dir.resolve("vectors").toString();
        SyntheticVectors.generate(spark, 0, 200_000, 128, 7, 4).write().format("delta").save(table);
        Dataset<Row> vectors = spark.read().format("delta").option("versionAsOf", 0).load(table);
        RabitqModel model = new RabitqIndexer().setIdCol("id").setInputCol("vector").setSampleSize(50_000).fit(vectors);
        Manifest m = model.index(vectors, dir.resolve("bundle").toString(), 4, new IndexBundles.Source("delta:" + table, "0", Map.of()));
        assertEquals(4, m.partitions().size());
        assertEquals(200_000, m.rows());
        assertEquals("0", m.sourceVersion());

        Dataset<Row> queries = SyntheticVectors.generate(spark, 200_000, 201_000, 128, 7, 2).toDF("qid", "q").cache();
        List<Row> found = RabitqSearch.searchBatch(queries, "qid", "q", dir.resolve("bundle").toString(), 10, 0).collectAsList();
        List<Row> exact = ExactSearch.searchBatch(vectors, "id", "vector", queries, "qid", "q", Metric.L2, 10).collectAsList();
        assertEquals(1000, found.size());
        Map<Long, Set<Long>> truth = new HashMap<>();
        for (Row r : exact) {
            Set<Long> s = new HashSet<>();
            for (Row n : r.<Row>getList(1)) {
                s.add(n.getLong(0));
            }
            truth.put(r.getLong(0), s);
        }
        IvfRabitqIndex single = (IvfRabitqIndex) IndexBundles.load(dir.resolve("bundle"));
        List<Row> qrows = queries.collectAsList();
        Map<Long, float[]> qv = new HashMap<>();
        for (Row r : qrows) {
            float[] v = new float[128];
            List<Float> l = r.getList(1);
            for (int i = 0; i < 128; i++) {
                v[i] = l.get(i);
            }
            qv.put(r.getLong(0), v);
        }
        long hits = 0;
        for (Row r : found) {
            long qid = r.getLong(0);
            Neighbor[] got = r.<Row>getList(1).stream().map(n -> new Neighbor(n.getLong(0), n.getFloat(1))).toArray(Neighbor[]::new);
            for (Neighbor n : got) {
                hits += truth.get(qid).contains(n.id()) ? 1 : 0;
            }
            assertEquals(java.util.Arrays.asList(single.search(qv.get(qid), 10)), java.util.Arrays.asList(got),
                    "query " + qid + ": distributed and single-process top-10 (ids and distances)");
        }
        double recall = hits / 10_000.0;
        assertTrue(recall >= 0.95, "recall@10 " + recall);
    }
}
