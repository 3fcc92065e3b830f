package io.rabitq.jobs;

import java.util.Locale;

/** Entry point of {@code bin/spark-rabitq}: dispatches to a subcommand. */
public final class Cli {
    private static final String USAGE = String.join("\n",
            "usage: spark-rabitq <command> [options]",
            "",
            "commands:",
            "  quickstart  synthetic Delta table -> train -> index into a bundle -> searchBatch -> exact recall",
            "          --n 200000 --dim 128 --queries 1000 --k 10 --dir .rabitq/quickstart",
            "  train       sample a vector table (Delta or Parquet), fit IVF centroids, save the model",
            "          --input TABLE --model DIR [--version V --id-col id --vector-col vector --nlist --metric --sample-size]",
            "  index       quantize a table into a bundle with a saved model",
            "          --input TABLE --model DIR --bundle DIR [--partitions P --version V]",
            "  search      search a query table against a bundle, results written to a Delta table",
            "          --queries TABLE --bundle DIR --output PATH [--k 10 --nprobe 0 --id-col query_id --vector-col query]",
            "  evaluate    recall@k of a query sample against exact distributed brute force",
            "          --input TABLE --queries TABLE --bundle DIR [--k 10 --sample 1000]",
            "  bench   single-process recall/QPS of every index variant (synthetic data or .fvecs/.ivecs)",
            "          --n 100000 --dim 128 --queries 1000 --k 10 --seed 42 --threads 1",
            "          --base F.fvecs --query-file Q.fvecs --gt G.ivecs  --nprobe 8,16,32  --variants all",
            "  bundle-bench  publish an index as a bundle, time verification, mapping and loading",
            "          --n 1000000 --dim 128 --nlist 1024 --partitions 8",
            "  bench-spark  searchBatch vs exact distributed brute force vs MLlib LSH, writes docs/BENCHMARKS-spark.md",
            "          [--n 100000 --dim 128 --queries 10000 --lsh-queries 10]",
            "  bench-suite  (bin/spark-rabitq, outside Spark) ours vs Lucene 9.12, Lucene 10 (JDK 21+) and hnswlib: docs/BENCHMARKS.md",
            "          [--quick --n 1000000 --dataset all|synthetic|mnist --only ivf,lucene10-bbq,... --base F.fvecs --query-file Q.fvecs]",
            "  bench-scale  (bin/spark-rabitq, outside Spark) build/search/memory at 100k, 1M, 10M: docs/SCALING.md",
            "          [--sizes 100000,1000000,10000000 --dim 128 --queries 1000]   (10M x 128: RABITQ_JAVA_OPTS=-Xmx16g)",
            "  lake-sidecar  serve a bundle directory through the lake cache, reporting each republished generation",
            "          --bundle DIR [--interval-ms 500 --seconds 0]",
            "  lake-warm-restart  prime, save the cache, then warm a new JVM with no backend: identical answers",
            "          [--n 20000 --dim 128 --queries 100 --dir .rabitq/warm-restart]",
            "  lake-bench  cache-hit cost vs the direct index, federated recall, concurrent clients",
            "          [--n 100000 --dim 128 --queries 1000 --shards 4]",
            "",
            "Spark options (bin/spark-rabitq passes them to spark-submit): --master local[*] (default) | spark://host:port,",
            "  --conf key=value (repeatable). Run 'spark-rabitq <command> --help' for details.");

    private Cli() {
    }

    public static void main(String[] argv) {
        Locale.setDefault(Locale.ROOT);
        int code = run(argv);
        if (code != 0) {
            System.exit(code);
        }
    }

    static int run(String[] argv) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("help")) {
            System.out.println(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        try {
            switch (argv[0]) {
                case "bench":
                    return new BenchCommand().run(new Args(argv, 1));
                case "quickstart":
                    return new QuickstartCommand().run(new Args(argv, 1));
                case "bundle-bench":
                    return new BundleBenchCommand().run(new Args(argv, 1));
                case "train":
                    return PipelineCommands.train(new Args(argv, 1));
                case "index":
                    return PipelineCommands.index(new Args(argv, 1));
                case "search":
                    return PipelineCommands.search(new Args(argv, 1));
                case "bench-spark":
                    return new BenchSparkCommand().run(new Args(argv, 1));
                case "lake-sidecar":
                    return LakeCommands.sidecar(new Args(argv, 1));
                case "lake-warm-restart":
                    return LakeCommands.warmRestart(new Args(argv, 1));
                case "lake-bench":
                    return LakeCommands.bench(new Args(argv, 1));
                case "evaluate":
                    return PipelineCommands.evaluate(new Args(argv, 1));
                default:
                    System.err.println("unknown command '" + argv[0] + "'\n\n" + USAGE);
                    return 2;
            }
        } catch (Args.UsageException e) {
            System.err.println("error: " + e.getMessage() + "\n\n" + USAGE);
            return 2;
        } catch (java.io.IOException | io.rabitq.spark.InvalidInputException | io.rabitq.bundle.BundleException
                | io.rabitq.core.RabitqException | io.rabitq.lake.LakeException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("interrupted");
            return 130;
        }
    }
}
