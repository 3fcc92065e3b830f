package io.rabitq.jobs.tools;

import io.rabitq.bundle.Bundles;
import io.rabitq.core.RabitqOptions;
import io.rabitq.datasets.ClusteredGaussian;
import io.rabitq.datasets.Dataset;
import io.rabitq.jobs.Json;
import io.rabitq.jobs.Phases;
import io.rabitq.lake.CacheStats;
import io.rabitq.lake.Consistency;
import io.rabitq.lake.Lake;
import io.rabitq.lake.LocalBackend;
import io.rabitq.lake.VectorCache;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lake-warm-restart}: primes a lake from an in-memory backend, answers queries, saves the cache, then starts
 * a new JVM that warms a FROZEN lake with no backend from the saved directory and must answer the same queries with
 * the same ids and distances (bit for bit).
 */
@Command(name = "lake-warm-restart", sortOptions = false,
        description = "Prime, save the cache, then warm a new JVM with no backend: it must answer identically.")
final class LakeWarmRestartCommand implements Callable<Integer> {
    private static final long CACHE_BYTES = Runtime.getRuntime().maxMemory() / 2;

    @Option(names = "--n", defaultValue = "20000", description = "vectors (default: ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--dim", defaultValue = "128", description = "dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--queries", defaultValue = "100", description = "queries (default: ${DEFAULT-VALUE})")
    int nq;
    @Option(names = "--k", defaultValue = "10", description = "neighbours per query (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--dir", defaultValue = ".rabitq/warm-restart", description = "working directory (default: ${DEFAULT-VALUE})")
    Path dirArg;
    @Option(names = "--phase", defaultValue = "save", hidden = true, description = "save (this JVM) or warm (the new JVM)")
    String phase;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path dir = dirArg.toAbsolutePath();
        Path answers = dir.resolve("answers.bin");
        Path cacheDir = dir.resolve("cache");
        if (phase.equals("warm")) {
            return warm(cacheDir, answers);
        }
        Dataset d = ClusteredGaussian.generate(n, nq, dim, 42);
        LocalBackend backend = new LocalBackend("local");
        backend.put("docs", java.util.stream.LongStream.range(1_000_000L, 1_000_000L + n).toArray(), d.baseRows());
        List<List<Lake.Hit>> found;
        double primeMs;
        try (Lake lake = Lake.create(CACHE_BYTES).registerBackend(backend)) {
            found = lake.searchBatch("local", "docs", d.queryRows(), k);
            primeMs = lake.cache().stats().lastPrimeMs();
            Files.createDirectories(dir);
            long t0 = System.nanoTime();
            lake.saveCacheToDir("local", "docs", cacheDir);
            Bundles.retain(cacheDir, 2); // repeated demos keep two generations
            Phases.line("primed %d x %d in %.0f ms, answered %d queries, saved the cache to %s", t0, n, dim, primeMs, nq, cacheDir);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(answers))) {
            out.writeInt(nq);
            out.writeInt(dim);
            for (int q = 0; q < nq; q++) {
                for (float x : d.queryRow(q)) {
                    out.writeFloat(x);
                }
                out.writeInt(found.get(q).size());
                for (Lake.Hit h : found.get(q)) {
                    out.writeLong(h.id());
                    out.writeInt(Float.floatToRawIntBits(h.distance()));
                }
            }
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        String appJar = Path.of(java.net.URI.create(LakeWarmRestartCommand.class.getProtectionDomain().getCodeSource().getLocation().toString())).toString();
        cmd.addAll(List.of("-cp", appJar + java.io.File.pathSeparator + System.getProperty("java.class.path"), ToolsCli.class.getName(),
                "lake-warm-restart", "--phase", "warm", "--dir", dir.toString()));
        System.err.println("lake-warm-restart: starting a new JVM that warms from " + cacheDir + " with no backend");
        Process child = new ProcessBuilder(cmd).inheritIO().start();
        int code = child.waitFor();
        if (code == 0) {
            new Json().put("phase", "save").put("n", n).put("dim", dim).put("queries", nq).put("prime_ms", Json.round(primeMs, 1))
                    .put("warm_restart", "identical").print();
        }
        return code;
    }

    private static Integer warm(Path cacheDir, Path answers) throws IOException {
        try (Lake lake = new Lake(new VectorCache(4, CACHE_BYTES, RabitqOptions.defaults()), Consistency.frozen());
             DataInputStream in = new DataInputStream(Files.newInputStream(answers))) {
            long t0 = System.nanoTime();
            long vectors = lake.warmFromDir("local", "docs", cacheDir);
            double warmMs = Phases.seconds(t0) * 1000;
            int nq = in.readInt();
            int dim = in.readInt();
            int differing = 0;
            for (int q = 0; q < nq; q++) {
                float[] query = new float[dim];
                for (int i = 0; i < dim; i++) {
                    query[i] = in.readFloat();
                }
                int count = in.readInt();
                List<Lake.Hit> got = lake.searchOne("local", "docs", query, Math.max(1, count));
                boolean same = got.size() == count;
                for (int i = 0; i < count; i++) {
                    long id = in.readLong();
                    int bits = in.readInt();
                    same &= same && got.get(i).id() == id && Float.floatToRawIntBits(got.get(i).distance()) == bits;
                }
                differing += same ? 0 : 1;
            }
            CacheStats s = lake.cache().stats();
            new Json().put("phase", "warm").put("vectors", vectors).put("warm_ms", Json.round(warmMs, 1)).put("queries", nq)
                    .put("differing", differing).put("primes", s.primes()).print();
            if (differing > 0 || s.primes() != 0) {
                System.err.println("lake-warm-restart: the warmed process answered " + differing + " queries differently");
                return 1;
            }
            return 0;
        }
    }}
