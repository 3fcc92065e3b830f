package io.rabitq.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Bundle-directory operations: the live generation, refresh checks and retention. */
public final class Bundles {
    public static final String CURRENT = "CURRENT";
    public static final String MANIFEST = "manifest.json";
    /** Readers hold a shared lock on this file of their generation; retention skips locked generations. */
    static final String READERS_LOCK = "READERS.lock";

    private Bundles() {
    }

    /** The live generation named by {@code CURRENT}, or empty when there is none. */
    public static Optional<String> currentGeneration(Path bundleDir) {
        Path current = bundleDir.resolve(CURRENT);
        byte[] bytes;
        try {
            if (Files.size(current) > 64) {
                throw new CorruptBundleException(current, "is larger than a generation name");
            }
            bytes = Files.readAllBytes(current);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + current + ": " + e.getMessage(), e);
        }
        return Optional.of(SafeNames.generation(current, new String(bytes, StandardCharsets.US_ASCII).trim()));
    }

    /** Result of {@link #refresh}. */
    public enum RefreshStatus { UP_TO_DATE, CHANGED, MISSING }

    /** What a holder of generation {@code known} should do; {@code generation} is the live one (null if missing). */
    public record RefreshResult(RefreshStatus status, String generation) {
    }

    /** Compares the live generation with the one a reader holds. */
    public static RefreshResult refresh(Path bundleDir, String known) {
        Optional<String> live = currentGeneration(bundleDir);
        if (live.isEmpty() || !Files.isRegularFile(bundleDir.resolve(live.get()).resolve(MANIFEST))) {
            return new RefreshResult(RefreshStatus.MISSING, null);
        }
        return new RefreshResult(live.get().equals(known) ? RefreshStatus.UP_TO_DATE : RefreshStatus.CHANGED, live.get());
    }

    /** Highest generation number present (published or being written, except in {@code ignore}), 0 if none. */
    static long latestGenerationNumber(Path bundleDir, Path ignore) throws IOException {
        long max = 0;
        try (Stream<Path> s = Files.list(bundleDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (p.equals(ignore)) {
                    continue;
                }
                if (name.startsWith(".tmp-gen-")) {
                    name = name.substring(5, 5 + "gen-000000".length());
                }
                if (SafeNames.isGeneration(name)) {
                    max = Math.max(max, Long.parseLong(name.substring(4)));
                }
            }
        }
        return max;
    }

    /**
     * Deletes published generations beyond the newest {@code keep}, never the live one and never one that a
     * reader (in any process) holds open. Returns what was deleted.
     */
    public static List<String> retain(Path bundleDir, int keep) {
        if (keep < 1) {
            throw new BundleException("keep must be >= 1 (the live generation is always kept)");
        }
        String live = currentGeneration(bundleDir).orElse(null);
        List<String> generations = new ArrayList<>();
        try (Stream<Path> s = Files.list(bundleDir)) {
            s.map(p -> p.getFileName().toString()).filter(SafeNames::isGeneration).forEach(generations::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        generations.sort(Comparator.reverseOrder());
        List<String> deleted = new ArrayList<>();
        for (int i = keep; i < generations.size(); i++) {
            String g = generations.get(i);
            if (g.equals(live)) {
                continue;
            }
            Path dir = bundleDir.resolve(g);
            if (ReaderLocks.exclusively(() -> !ReaderLocks.heldHere(dir) && deleteUnlessRead(dir))) {
                deleted.add(g);
            }
        }
        return deleted;
    }

    /**
     * Deletes temporary leftovers ({@code .tmp-*}) of writers that crashed or were killed, if they are older than
     * {@code olderThan} (a writer still running keeps its files fresh). Returns their names.
     */
    public static List<String> removeAbandoned(Path bundleDir, java.time.Duration olderThan) {
        List<String> removed = new ArrayList<>();
        java.time.Instant cutoff = java.time.Instant.now().minus(olderThan);
        try (Stream<Path> s = Files.list(bundleDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().startsWith(".tmp-") && newestChange(p).isBefore(cutoff)) {
                    deleteRecursively(p);
                    removed.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return removed;
    }

    private static java.time.Instant newestChange(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            java.time.Instant newest = java.time.Instant.EPOCH;
            for (Path q : (Iterable<Path>) s::iterator) {
                java.time.Instant t = Files.getLastModifiedTime(q).toInstant();
                newest = t.isAfter(newest) ? t : newest;
            }
            return newest;
        }
    }

    private static boolean deleteUnlessRead(Path genDir) {
        Path lockFile = genDir.resolve(READERS_LOCK);
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException held) {
                return false;
            }
            if (lock == null) {
                return false; // a reader in another process
            }
            try {
                // rename first so no reader can open it once we start deleting
                Path doomed = genDir.resolveSibling(".tmp-deleted-" + genDir.getFileName());
                Files.move(genDir, doomed);
                lock.release();
                deleteRecursively(doomed);
                return true;
            } finally {
                if (lock.isValid()) {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + genDir + ": " + e.getMessage(), e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
