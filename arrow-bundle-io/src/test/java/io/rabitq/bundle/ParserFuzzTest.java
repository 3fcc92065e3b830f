package io.rabitq.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded property test over mutated inputs of every parser of the format: manifests, {@code CURRENT}, partition
 * files and deletion sets. Every input must end in a correct read or a typed {@link BundleException}: never another
 * exception, a hang or an out-of-memory error. {@code -Drabitq.fuzz.scale=N} multiplies the input counts (a longer
 * nightly run); the seed is printed with any failure so it can be replayed.
 */
class ParserFuzzTest {
    private static final int SCALE = Integer.getInteger("rabitq.fuzz.scale", 1);
    private static final long SEED = Long.getLong("rabitq.fuzz.seed", 20261201L);

    @TempDir
    Path dir;
    private Path gen;
    private Manifest manifest;

    /** A version-3 generation: two partitions, the second with a deletion set. */
    @BeforeEach
    void generationWithDeletes() {
        TestBundles.publish(dir, 1, 2, 60);
        try (Bundle base = Bundle.open(dir);
             GenerationWriter g = GenerationWriter.begin(dir, TestBundles.spec("v2"))) {
            g.reuseCentroids(base);
            g.reusePartition(base, 0);
            g.reusePartition(base, 1, new long[] {TestBundles.id(1, 1, 3), TestBundles.id(1, 1, 40)}, 2);
            manifest = g.publish();
        }
        gen = dir.resolve("gen-000002");
    }

    /** Runs {@code parse} on {@code count} mutations of {@code original}; returns how many parsed without error. */
    private static int fuzz(String what, byte[] original, int count, long seed, ParseAction parse) throws Exception {
        Random rnd = new Random(seed);
        int parsed = 0;
        for (int i = 0; i < count; i++) {
            byte[] input = Mutations.mutate(original, rnd);
            try {
                parse.run(input);
                parsed++;
            } catch (BundleException expected) {
                // a typed refusal is a correct answer to a damaged input
            } catch (Throwable t) {
                throw new AssertionError(what + " input " + i + " (seed " + seed + "): " + t + " instead of a BundleException", t);
            }
        }
        return parsed;
    }

    private interface ParseAction {
        void run(byte[] input) throws Exception;
    }

    @Test
    void mutatedManifestsEndInAReadOrABundleException() throws Exception {
        byte[] original = Files.readAllBytes(gen.resolve(Bundles.MANIFEST));
        Path where = gen.resolve(Bundles.MANIFEST);
        int parsed = fuzz("manifest", original, 100_000 * SCALE, SEED, bytes -> {
            Manifest m = ManifestCodec.read(where, bytes);
            Witness.of(m); // whatever parses must also be hashable
        });
        assertTrue(parsed > 0 && parsed < 100_000 * SCALE, "the mutations reach both outcomes: " + parsed + " parsed");
    }

    @Test
    void mutatedManifestsOnDiskNeverOpenWrong() throws Exception {
        Path where = gen.resolve(Bundles.MANIFEST);
        byte[] original = Files.readAllBytes(where);
        int opened = fuzz("manifest on disk", original, 2_000 * SCALE, SEED + 1, bytes -> {
            Files.write(where, bytes);
            try (Bundle b = Bundle.open(dir, Bundle.Verification.FULL)) {
                assertEquals(manifest.witness(), b.manifest().witness(), "a manifest that opens is the published one");
            }
        });
        Files.write(where, original);
        assertTrue(opened >= 0);
    }

    @Test
    void mutatedCurrentFilesEndInAGenerationOrABundleException() throws Exception {
        Path current = dir.resolve(Bundles.CURRENT);
        byte[] original = Files.readAllBytes(current);
        fuzz("CURRENT", original, 10_000 * SCALE, SEED + 2, bytes -> {
            Files.write(current, bytes);
            Bundles.currentGeneration(dir).ifPresent(g -> assertTrue(g.matches("gen-[0-9]{6,18}"), g));
        });
    }

    @Test
    void mutatedPartitionAndDeletionFilesEndInAReadOrABundleException() throws Exception {
        Path part = gen.resolve(manifest.partitions().get(1).file());
        Path deletes = gen.resolve(manifest.partitions().get(1).deletes().file());
        byte[] partition = Files.readAllBytes(part);
        byte[] deletion = Files.readAllBytes(deletes);
        try (Bundle b = Bundle.open(dir, Bundle.Verification.QUICK)) {
            Files.delete(part); // the partition is a hard link to the first generation's file: write a copy of our own
            Files.delete(deletes);
            List<Integer> sizes = new ArrayList<>();
            fuzz("partition file", partition, 10_000 * SCALE, SEED + 3, bytes -> {
                Files.write(part, bytes);
                Files.write(deletes, deletion);
                sizes.add(b.readPartition(1).rows());
                b.readStoredIds(1);
            });
            fuzz("deletion file", deletion, 10_000 * SCALE, SEED + 4, bytes -> {
                Files.write(part, partition);
                Files.write(deletes, bytes);
                sizes.add(b.readPartition(1).rows());
            });
            assertTrue(sizes.stream().allMatch(n -> n == 58), "every read that succeeds returns the 58 live rows: " + sizes.size());
        }
    }

    /** Structure-blind mutations: bit flips, byte overwrites, insertions, deletions, truncation, duplication, JSON-ish splices. */
    static final class Mutations {
        private static final byte[][] TOKENS = {"0".getBytes(StandardCharsets.US_ASCII), "-1".getBytes(StandardCharsets.US_ASCII),
            "9223372036854775807".getBytes(StandardCharsets.US_ASCII), "1e999".getBytes(StandardCharsets.US_ASCII),
            "null".getBytes(StandardCharsets.US_ASCII), "\"\"".getBytes(StandardCharsets.US_ASCII), "[]".getBytes(StandardCharsets.US_ASCII),
            "{}".getBytes(StandardCharsets.US_ASCII), "\"../x\"".getBytes(StandardCharsets.US_ASCII), "true".getBytes(StandardCharsets.US_ASCII),
            "[[[[[[[[[[[[[[[[[[[[".getBytes(StandardCharsets.US_ASCII), "\"\\u0000\"".getBytes(StandardCharsets.US_ASCII),
            {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f}, {0, 0, 0, 0, 0, 0, 0, 0}};

        private Mutations() {
        }

        static byte[] mutate(byte[] in, Random rnd) {
            byte[] out = in;
            int rounds = 1 + rnd.nextInt(4);
            for (int r = 0; r < rounds; r++) {
                int at = out.length == 0 ? 0 : rnd.nextInt(out.length);
                switch (rnd.nextInt(7)) {
                    case 0 -> {
                        out = out.clone();
                        if (out.length > 0) {
                            out[at] ^= (byte) (1 << rnd.nextInt(8));
                        }
                    }
                    case 1 -> {
                        out = out.clone();
                        if (out.length > 0) {
                            out[at] = (byte) rnd.nextInt(256);
                        }
                    }
                    case 2 -> out = splice(out, at, 0, new byte[] {(byte) rnd.nextInt(256)});
                    case 3 -> out = splice(out, at, Math.min(out.length - at, 1 + rnd.nextInt(16)), new byte[0]);
                    case 4 -> out = java.util.Arrays.copyOf(out, at);
                    case 5 -> {
                        int len = Math.min(out.length - at, 1 + rnd.nextInt(64));
                        out = splice(out, at, 0, java.util.Arrays.copyOfRange(out, at, at + len));
                    }
                    default -> out = splice(out, at, Math.min(out.length - at, rnd.nextInt(8)), TOKENS[rnd.nextInt(TOKENS.length)]);
                }
            }
            return out;
        }

        private static byte[] splice(byte[] in, int at, int remove, byte[] insert) {
            byte[] out = new byte[in.length - remove + insert.length];
            System.arraycopy(in, 0, out, 0, at);
            System.arraycopy(insert, 0, out, at, insert.length);
            System.arraycopy(in, at + remove, out, at + insert.length, in.length - at - remove);
            return out;
        }
    }
}
