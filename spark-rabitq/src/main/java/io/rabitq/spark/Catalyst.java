package io.rabitq.spark;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Small bridges from Java to the Scala collections Catalyst's plan nodes take. */
final class Catalyst {
    private Catalyst() {
    }

    static <T> Seq<T> seq(List<T> items) {
        return CollectionConverters.asScala(items).toList();
    }

    @SafeVarargs
    static <T> Seq<T> seq(T... items) {
        return seq(Arrays.asList(items));
    }

    static <T> List<T> list(scala.collection.Seq<T> items) {
        return CollectionConverters.asJava(items);
    }

    static <K, V> java.util.Map<K, V> map(scala.collection.Map<K, V> m) {
        return CollectionConverters.asJava(m);
    }

    static AttributeSet attributeSet(Attribute... attributes) {
        return AttributeSet.apply(seq(attributes));
    }

    static <T> Option<T> some(T value) {
        return Option.apply(value);
    }

    static <T> Option<T> none() {
        return Option.empty();
    }
}
