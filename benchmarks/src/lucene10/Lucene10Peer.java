import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene102.Lucene102HnswBinaryQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.RescoreTopNQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The Lucene 10 peer of the benchmark suite, run by {@code io.rabitq.bench.Lucene10} on a JDK 21+ (Lucene 10 needs it;
 * its SIMD code runs there) as a single-file program: {@code java -cp lucene-core-10.jar Lucene10Peer.java BASE QUERIES
 * OUT_DIR FORMAT...}. Builds each format (float32, int7, int4, bbq: HNSW M 16, beam 100, one indexing thread and
 * one merge worker per core, one segment), sweeps numCandidates; quantized formats are rescored at full precision by
 * Lucene's own RescoreTopNQuery. For every (format, numCandidates) it writes the untimed top-100 and the timed top-10
 * row ids to OUT_DIR and prints one tab-separated line: RESULT, format, numCandidates, QPS, build seconds, heap
 * bytes per vector, id file. Measured exactly as the in-process peers: single-query searches on one thread, untimed
 * warm-up per format, then per row an untimed pass and a timed stretch, both as long as the suite's timed rows.
 */
public class Lucene10Peer {
    static final int[] SWEEP = {10, 20, 40, 60, 80, 120, 160, 240, 320, 480, 640}; // as Peers.GRAPH_SWEEP
    /** Timed (and warm-up) nanoseconds per row, the parent suite's setting (shorter in --quick). */
    static final long TIMED_NANOS = Long.getLong("timed.nanos", 1_000_000_000L);
    /** Rows of the untimed build before each format's measured one, the parent suite's setting. */
    static final int CLASS_LOADING_ROWS = Integer.getInteger("class.loading.rows", 2_000);

    public static void main(String[] args) throws Exception {
        float[][] base = readFvecs(Path.of(args[0]));
        float[][] queries = readFvecs(Path.of(args[1]));
        Path out = Path.of(args[2]);
        for (int a = 3; a < args.length; a++) {
            String format = args[a];
            // an untimed build on the first rows first, so the heap measured next holds the index, not the classes
            // a format's first use loads (the suite does the same for its in-process engines)
            build(Arrays.copyOf(base, Math.min(base.length, CLASS_LOADING_ROWS)), format).close();
            long before = usedHeap();
            long t0 = System.nanoTime();
            ByteBuffersDirectory dir = build(base, format);
            double buildSeconds = (System.nanoTime() - t0) / 1e9;
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                double bytesPerVector = Math.max(0, usedHeap() - before) / (double) base.length;
                IndexSearcher searcher = new IndexSearcher(reader);
                int[] docToRow = new int[reader.maxDoc()];
                NumericDocValues rows = DocValues.getNumeric(reader.leaves().get(0).reader(), "row");
                for (int doc = rows.nextDoc(); doc != NumericDocValues.NO_MORE_DOCS; doc = rows.nextDoc()) {
                    docToRow[doc] = (int) rows.longValue();
                }
                long w0 = System.nanoTime(); // untimed warm-up as long as a timed row, so the first row pays no JIT compilation
                for (int i = 0; System.nanoTime() - w0 < TIMED_NANOS; i = (i + 1) % queries.length) {
                    search(searcher, docToRow, format, queries[i], 10, SWEEP[1]);
                }
                for (int candidates : SWEEP) {
                    int[][] top100 = new int[queries.length][];
                    int[][] top10 = new int[queries.length][];
                    for (int i = 0; i < queries.length; i++) {
                        top100[i] = search(searcher, docToRow, format, queries[i], 100, candidates);
                    }
                    long s0 = System.nanoTime();
                    long searches = 0;
                    do {
                        for (int i = 0; i < queries.length; i++) {
                            top10[i] = search(searcher, docToRow, format, queries[i], 10, candidates);
                        }
                        searches += queries.length;
                    } while (System.nanoTime() - s0 < TIMED_NANOS);
                    double qps = searches / ((System.nanoTime() - s0) / 1e9);
                    Path ids = out.resolve(format + "-" + candidates + ".ids");
                    writeIds(ids, top100, top10);
                    System.out.printf("RESULT\t%s\t%d\t%.1f\t%.3f\t%.1f\t%s%n", format, candidates, qps, buildSeconds,
                            bytesPerVector, ids);
                }
            }
            dir.close();
        }
    }

    static ByteBuffersDirectory build(float[][] base, String format) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        ExecutorService merges = Executors.newFixedThreadPool(cores);
        KnnVectorsFormat vectors = switch (format) {
            case "float32" -> new Lucene99HnswVectorsFormat(16, 100, cores, merges);
            case "int7" -> new Lucene99HnswScalarQuantizedVectorsFormat(16, 100, cores, 7, false, null, merges);
            case "int4" -> new Lucene99HnswScalarQuantizedVectorsFormat(16, 100, cores, 4, true, null, merges);
            case "bbq" -> new Lucene102HnswBinaryQuantizedVectorsFormat(16, 100, cores, merges);
            default -> throw new IllegalArgumentException("unknown format " + format + " (float32, int7, int4, bbq)");
        };
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        IndexWriterConfig cfg = new IndexWriterConfig().setRAMBufferSizeMB(8192).setCodec(new Lucene103Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return vectors;
            }
        });
        try (IndexWriter w = new IndexWriter(dir, cfg)) {
            IntStream.range(0, cores).parallel().forEach(t -> {
                for (int i = t; i < base.length; i += cores) {
                    Document d = new Document();
                    d.add(new KnnFloatVectorField("v", base[i], VectorSimilarityFunction.EUCLIDEAN));
                    d.add(new NumericDocValuesField("row", i));
                    try {
                        w.addDocument(d);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            w.forceMerge(1);
        } finally {
            merges.shutdown();
        }
        return dir;
    }

    static int[] search(IndexSearcher searcher, int[] docToRow, String format, float[] q, int k, int candidates)
            throws IOException {
        Query knn = new KnnFloatVectorQuery("v", q, Math.max(k, candidates));
        Query query = format.equals("float32") ? knn : RescoreTopNQuery.createFullPrecisionRescorerQuery(knn, q, "v", k);
        TopDocs td = searcher.search(query, k);
        int[] rows = new int[td.scoreDocs.length];
        int i = 0;
        for (ScoreDoc sd : td.scoreDocs) {
            rows[i++] = docToRow[sd.doc];
        }
        return rows;
    }

    static float[][] readFvecs(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        int dim = b.getInt(0);
        int n = b.capacity() / (4 + 4 * dim);
        float[][] rows = new float[n][dim];
        for (int i = 0; i < n; i++) {
            b.getInt();
            for (int d = 0; d < dim; d++) {
                rows[i][d] = b.getFloat();
            }
        }
        return rows;
    }

    /** Per query: the top-100 count and ids, then the top-10 count and ids (big-endian ints). */
    static void writeIds(Path path, int[][] top100, int[][] top10) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(path)))) {
            for (int i = 0; i < top100.length; i++) {
                for (int[] ids : new int[][] {top100[i], top10[i]}) {
                    o.writeInt(ids.length);
                    for (int id : ids) {
                        o.writeInt(id);
                    }
                }
            }
        }
    }

    /** Used heap after GCs, repeated until it stops falling (at most 10), as the suite measures it. */
    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long used = rt.totalMemory() - rt.freeMemory();
            if (used >= least) {
                break;
            }
            least = used;
        }
        return least;
    }
}
