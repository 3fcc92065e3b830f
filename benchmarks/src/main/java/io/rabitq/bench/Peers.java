package io.rabitq.bench;

import com.github.jelmerk.hnswlib.core.DistanceFunctions;
import com.github.jelmerk.hnswlib.core.Item;
import com.github.jelmerk.hnswlib.core.SearchResult;
import com.github.jelmerk.hnswlib.core.hnsw.HnswIndex;
import io.rabitq.core.FlatIndex;
import io.rabitq.core.IvfRabitqIndex;
import io.rabitq.core.Metric;
import io.rabitq.core.Neighbor;
import io.rabitq.core.RabitqOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/** The engines of the suite behind one interface: ours and the peers a user would otherwise pick. */
final class Peers {
    /**
     * The search knob of the graph peers (candidate lists, ef): steps of 1.5 to 2, as fine at the top as our nprobe
     * ladder, so no engine's best row at a recall bar is missed by a coarse step. Lucene 10's JVM sweeps the same.
     */
    static final int[] GRAPH_SWEEP = {10, 20, 40, 60, 80, 120, 160, 240, 320, 480, 640};

    private Peers() {
    }

    /** A built index whose search knob ({@code nprobe}, {@code ef}, candidates) can be turned between runs. */
    interface Engine extends AutoCloseable {
        String name();

        /** Name of the search knob and the values to sweep. */
        String knob();

        int[] sweep();

        void setKnob(int value);

        /** Row ids (0-based, in base order) of the k nearest. */
        int[] search(float[] q, int k);

        @Override
        default void close() {
        }
    }

    /**
     * Our IVF-RaBitQ index: with {@code bits = 0} and {@code raw = null} its defaults, else {@code bits} per dimension
     * with or without raw vectors (for the bound-gated exact rerank).
     */
    static Engine ivf(float[][] base, int bits, Boolean raw) {
        IvfRabitqIndex index = new IvfRabitqIndex(base[0].length, RabitqOptions.defaults().withBits(bits));
        if (raw != null) {
            index.storeRaw(raw);
        }
        for (int i = 0; i < base.length; i++) {
            index.add(i, base[i]);
        }
        index.build();
        // the index's own count of what it holds, beside the suite's heap measurement (the bytes/vector column)
        String name = String.format("ours IvfRabitqIndex %d-bit%s (memoryBytes %.0f B/vector)", index.bits(),
                index.hasRawVectors() ? " + mapped raw rerank" : ", no raw", (double) index.memoryBytes() / base.length);
        return new Engine() {
            public String name() {
                return name;
            }

            public String knob() {
                return "nprobe (nlist " + index.nlist() + ")";
            }

            public int[] sweep() {
                return new int[] {2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256};
            }

            public void setKnob(int v) {
                index.setNprobe(v);
            }

            public int[] search(float[] q, int k) {
                return ids(index.search(q, k));
            }
        };
    }

    /** Exact flat scan with our Vector API kernel. */
    static Engine flat(float[][] base) {
        FlatIndex index = new FlatIndex(base[0].length, Metric.L2);
        for (int i = 0; i < base.length; i++) {
            index.add(i, base[i]);
        }
        return new Engine() {
            public String name() {
                return "ours FlatIndex (exact)";
            }

            public String knob() {
                return "-";
            }

            public int[] sweep() {
                return new int[] {0};
            }

            public void setKnob(int v) {
            }

            public int[] search(float[] q, int k) {
                return ids(index.search(q, k));
            }
        };
    }

    private static int[] ids(Neighbor[] n) {
        int[] out = new int[n.length];
        for (int i = 0; i < n.length; i++) {
            out[i] = (int) n[i].id();
        }
        return out;
    }

    /**
     * Lucene 9.12 HNSW (M 16, beam 100) over float vectors, or its int7 / int4 scalar-quantized format; built with
     * one indexing thread per core and merged into one segment with one merge worker per core (its best case for
     * search).
     */
    static Engine lucene(float[][] base, int bits) {
        int cores = Runtime.getRuntime().availableProcessors();
        java.util.concurrent.ExecutorService mergeWorkers = java.util.concurrent.Executors.newFixedThreadPool(cores);
        KnnVectorsFormat format = bits == 32 ? new Lucene99HnswVectorsFormat(16, 100, cores, mergeWorkers)
                : new Lucene99HnswScalarQuantizedVectorsFormat(16, 100, cores, bits, bits == 4, null, mergeWorkers);
        try {
            ByteBuffersDirectory dir = new ByteBuffersDirectory();
            IndexWriterConfig cfg = new IndexWriterConfig().setRAMBufferSizeMB(8192).setCodec(new Lucene912Codec() {
                @Override
                public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                    return format;
                }
            });
            try (IndexWriter w = new IndexWriter(dir, cfg)) {
                java.util.stream.IntStream.range(0, cores).parallel().forEach(t -> {
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
                mergeWorkers.shutdown();
            }
            DirectoryReader reader = DirectoryReader.open(dir);
            IndexSearcher searcher = new IndexSearcher(reader);
            int[] docToRow = new int[reader.maxDoc()];
            NumericDocValues rows = DocValues.getNumeric(reader.leaves().get(0).reader(), "row");
            for (int doc = rows.nextDoc(); doc != NumericDocValues.NO_MORE_DOCS; doc = rows.nextDoc()) {
                docToRow[doc] = (int) rows.longValue();
            }
            int[] candidates = {10};
            return new Engine() {
                public String name() {
                    return bits == 32 ? "Lucene 9.12 HNSW float32" : "Lucene 9.12 HNSW int" + bits;
                }

                public String knob() {
                    return "numCandidates (M 16, beam 100)";
                }

                public int[] sweep() {
                    return GRAPH_SWEEP.clone();
                }

                public void setKnob(int v) {
                    candidates[0] = v;
                }

                public int[] search(float[] q, int k) {
                    try {
                        TopDocs td = searcher.search(new KnnFloatVectorQuery("v", q, Math.max(k, candidates[0])), k);
                        int[] out = new int[td.scoreDocs.length];
                        int i = 0;
                        for (ScoreDoc sd : td.scoreDocs) {
                            out[i++] = docToRow[sd.doc];
                        }
                        return out;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                public void close() {
                    try {
                        reader.close();
                        dir.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Vec(Integer id, float[] vector) implements Item<Integer, float[]> {
        public int dimensions() {
            return vector.length;
        }
    }

    /** hnswlib-core 1.2.1 (pure-Java HNSW), M 16, efConstruction 100, built with one thread per core. */
    static Engine hnswlib(float[][] base) {
        HnswIndex<Integer, float[], Vec, Float> index = HnswIndex.newBuilder(base[0].length, DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE, base.length)
                .withM(16).withEfConstruction(100).withEf(10).build();
        List<Vec> items = new java.util.ArrayList<>(base.length);
        for (int i = 0; i < base.length; i++) {
            items.add(new Vec(i, base[i].clone()));
        }
        try {
            index.addAll(items, Runtime.getRuntime().availableProcessors(), (done, max) -> { }, Integer.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building hnswlib", e);
        }
        return new Engine() {
            public String name() {
                return "hnswlib-core 1.2.1";
            }

            public String knob() {
                return "ef (M 16, efConstruction 100)";
            }

            public int[] sweep() {
                return GRAPH_SWEEP.clone();
            }

            public void setKnob(int v) {
                index.setEf(v);
            }

            public int[] search(float[] q, int k) {
                List<SearchResult<Vec, Float>> r = index.findNearest(q, k);
                int[] out = new int[r.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = r.get(i).item().id();
                }
                return out;
            }
        };
    }
}
