package io.rabitq.lake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Collections that are subdirectories of a backend's root. */
final class Directories {
    private Directories() {
    }

    /** Names of the subdirectories of {@code root} that are collections, sorted. */
    static List<String> collections(Path root, Predicate<Path> isCollection) {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).filter(isCollection).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the collections under " + root, e);
        }
    }
}
