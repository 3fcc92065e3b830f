package io.rabitq.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FractionalType;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction5;
import scala.runtime.BoxedUnit;

/**
 * Installs, in every session, the SQL function {@code rabitq_search(vector, bundle_path, k [, nprobe])} and the
 * planning of {@code APPROX NEAREST BY} joins against indexed Delta tables as bundle searches
 * ({@link NearestByRewrite}), for users who configure Spark rather than write code:
 * {@code --conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension,io.rabitq.spark.RabitqExtensions}
 * (spark-sql, the Thrift server, Spark Connect, PySpark's {@code spark.sql}).
 */
public final class RabitqExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
    /** What {@code DESCRIBE FUNCTION rabitq_search} shows ({@code _FUNC_} is replaced by the name). */
    static final String USAGE = "_FUNC_(vector, bundle_path, k [, nprobe | recall]) - The k nearest neighbours of vector in the RaBitQ "
            + "bundle at bundle_path, nearest first, as array<struct<id:bigint, distance:float>> (exact distances); null for a "
            + "null vector.";
    static final String EXTENDED = String.join("\n",
            "",
            "    Arguments:",
            "      * vector - the query: array<float>, array<double> or an ML Vector of the bundle's dimension",
            "      * bundle_path - a bundle directory written by RabitqModel.index or bin/spark-rabitq index",
            "      * k - neighbours to return, >= 1",
            "      * nprobe - IVF clusters to probe, an integer; 0 or absent: the bundle's default (more is slower and more exact)",
            "      * recall - instead of nprobe, a fraction such as 0.95: the recall@10 wanted; the bundle's recall curve, measured",
            "                 at index time, gives the smallest nprobe that reaches it",
            "",
            "    Examples:",
            "      > SELECT id, _FUNC_(embedding, '/bundles/docs', 10) AS neighbors FROM questions;",
            "      > SELECT _FUNC_(array(0.1f, 0.2f, 0.3f), '/bundles/small', 3, 8);",
            "      > SELECT id, _FUNC_(embedding, '/bundles/docs', 10, 0.95) AS neighbors FROM questions;",
            "",
            "    Each executor loads the bundle once and follows republished generations within seconds; for bundles larger",
            "    than one executor's memory use RabitqSearch.searchBatch.",
            "  ");

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        ExpressionInfo info = new ExpressionInfo(RabitqFunctions.class.getName(), null, RabitqFunctions.SQL_NAME, USAGE, EXTENDED);
        extensions.injectFunction(new Tuple3<>(new FunctionIdentifier(RabitqFunctions.SQL_NAME), info, new Builder()));
        extensions.injectPostHocResolutionRule(new SessionFunction<>(NearestByRewrite::new));
        extensions.injectPlannerStrategy(new SessionFunction<>(session -> new NearestScanStrategy()));
        return BoxedUnit.UNIT;
    }

    /** A rule or strategy per session, as the extension points take them. */
    private static final class SessionFunction<T> extends AbstractFunction1<SparkSession, T> {
        private final java.util.function.Function<SparkSession, T> make;

        SessionFunction(java.util.function.Function<SparkSession, T> make) {
            this.make = make;
        }

        @Override
        public T apply(SparkSession session) {
            return make.apply(session);
        }
    }

    /**
     * Builds the call from 3 or 4 SQL arguments: a fractional 4th argument (0.95) is a recall target, an integral one an
     * nprobe; absent, the bundle's default.
     */
    private static final class Builder extends AbstractFunction1<Seq<Expression>, Expression> {
        @Override
        public Expression apply(Seq<Expression> args) {
            if (args.size() != 3 && args.size() != 4) {
                throw new InvalidInputException(RabitqFunctions.SQL_NAME + " takes (vector, bundle_path, k [, nprobe | recall]) but got "
                        + args.size() + " arguments");
            }
            java.util.List<Expression> children = new java.util.ArrayList<>(scala.jdk.javaapi.CollectionConverters.asJava(args).subList(0, 3));
            Expression noNprobe = org.apache.spark.sql.catalyst.expressions.Literal.create(0, DataTypes.IntegerType);
            Expression noRecall = org.apache.spark.sql.catalyst.expressions.Literal.create(0.0, DataTypes.DoubleType);
            if (args.size() == 3) {
                children.add(noNprobe);
                children.add(noRecall);
            } else if (args.apply(3).dataType() instanceof FractionalType) {
                children.add(noNprobe);
                children.add(new Cast(args.apply(3), DataTypes.DoubleType, scala.Option.empty()));
            } else {
                children.add(args.apply(3));
                children.add(noRecall);
            }
            // a plain catalyst UDF: inputs arrive as Scala values (Seq for arrays), the result goes back as a Seq of rows
            return new ScalaUDF(new Search(), RabitqFunctions.RESULT_TYPE,
                    scala.jdk.javaapi.CollectionConverters.asScala(children).toList(),
                    scala.collection.immutable.List$.MODULE$.empty(), scala.Option.empty(), scala.Option.apply(RabitqFunctions.SQL_NAME),
                    true, true);
        }
    }

    /** The function body: delegates to {@link RabitqFunctions#search}. */
    private static final class Search extends AbstractFunction5<Object, String, Integer, Integer, Double,
            scala.collection.immutable.Seq<Row>> implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public scala.collection.immutable.Seq<Row> apply(Object vector, String path, Integer k, Integer nprobe, Double recall) {
            java.util.List<Row> rows = RabitqFunctions.search(vector, path, k, nprobe, recall);
            return rows == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(rows).toList();
        }
    }
}
