package io.rabitq.bundle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Reader holds on generations. Across processes a reader holds a shared OS file lock on the generation's
 * {@code READERS.lock}; inside one JVM the lock is reference-counted here, because the JVM allows only one
 * lock per file and process, so the last reader to close releases it.
 */
final class ReaderLocks {
    private static final Map<Path, Hold> HOLDS = new HashMap<>();

    private ReaderLocks() {
    }

    private static final class Hold {
        final FileChannel channel;
        final FileLock lock;
        int count;

        Hold(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }

    /** Takes a hold on {@code genDir}; blocks while a retention in another process is deleting it. */
    static synchronized void acquire(Path genDir) throws IOException {
        Path key = genDir.toAbsolutePath().normalize();
        Hold h = HOLDS.get(key);
        if (h == null) {
            FileChannel ch = FileChannel.open(key.resolve(Bundles.READERS_LOCK), StandardOpenOption.READ);
            try {
                h = new Hold(ch, ch.lock(0, Long.MAX_VALUE, true));
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            HOLDS.put(key, h);
        }
        h.count++;
    }

    static synchronized void release(Path genDir) throws IOException {
        Path key = genDir.toAbsolutePath().normalize();
        Hold h = HOLDS.get(key);
        if (h != null && --h.count == 0) {
            HOLDS.remove(key);
            h.lock.release();
            h.channel.close();
        }
    }

    /** Whether a reader in this JVM holds {@code genDir}. Call under the class lock (see {@link Bundles}). */
    static synchronized boolean heldHere(Path genDir) {
        return HOLDS.containsKey(genDir.toAbsolutePath().normalize());
    }

    /** Runs {@code action} while no reader of this JVM can take a new hold. */
    static synchronized <T> T exclusively(java.util.function.Supplier<T> action) {
        return action.get();
    }
}
