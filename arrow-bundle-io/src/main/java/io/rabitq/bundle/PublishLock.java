package io.rabitq.bundle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One publisher at a time per bundle: an exclusive OS lock on {@code <bundle>/PUBLISH.lock} across processes, and a
 * JVM-wide monitor within one (the JVM allows one lock per file and process).
 */
final class PublishLock {
    static final String FILE = "PUBLISH.lock";

    private PublishLock() {
    }

    interface Action {
        void run() throws IOException;
    }

    static synchronized void run(Path bundleDir, Action action) throws IOException {
        try (FileChannel ch = FileChannel.open(bundleDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            action.run();
        }
    }
}
