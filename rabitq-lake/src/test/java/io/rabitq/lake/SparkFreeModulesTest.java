package io.rabitq.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rabitq.bundle.Bundle;
import io.rabitq.core.RabitqException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency rule of the architecture: core, bundle and lake never reference Spark. Their poms already leave
 * Spark off the compile class path; this reads every compiled class of the three modules (directory or jar) and
 * fails on any constant-pool reference to {@code org/apache/spark}, reflection strings included.
 */
class SparkFreeModulesTest {
    private static final byte[] SPARK = "org/apache/spark".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SPARK_DOTTED = "org.apache.spark".getBytes(StandardCharsets.US_ASCII);

    @Test
    void coreBundleAndLakeClassesNeverReferenceSpark() throws Exception {
        List<String> offenders = new ArrayList<>();
        int classes = 0;
        for (Class<?> anchor : List.of(RabitqException.class, Bundle.class, Lake.class)) {
            Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (ClassFile c : classFiles(location)) {
                classes++;
                if (contains(c.bytes, SPARK) || contains(c.bytes, SPARK_DOTTED)) {
                    offenders.add(c.name);
                }
            }
        }
        assertTrue(classes > 50, "found only " + classes + " classes to check");
        assertEquals(List.of(), offenders, "classes of core, bundle or lake that reference Spark");
    }

    @Test
    void theCheckSeesASparkReference() {
        byte[] classLike = "...Lorg/apache/spark/sql/Dataset;...".getBytes(StandardCharsets.US_ASCII);
        assertTrue(contains(classLike, SPARK));
    }

    private record ClassFile(String name, byte[] bytes) {
    }

    private static List<ClassFile> classFiles(Path location) throws IOException, URISyntaxException {
        List<ClassFile> out = new ArrayList<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                    out.add(new ClassFile(location.relativize(p).toString(), Files.readAllBytes(p)));
                }
            }
            return out;
        }
        try (JarFile jar = new JarFile(location.toFile())) {
            for (var e : (Iterable<java.util.jar.JarEntry>) jar.stream()::iterator) {
                if (e.getName().endsWith(".class")) {
                    try (InputStream in = jar.getInputStream(e)) {
                        out.add(new ClassFile(e.getName(), in.readAllBytes()));
                    }
                }
            }
        }
        return out;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
