/**
 * The peer benchmark suite (ours vs Lucene 9.12/10 and hnswlib, {@link io.rabitq.bench.PeerSuite}) and the scale
 * curve ({@link io.rabitq.bench.ScaleCurve}); the JMH kernel benchmarks sit beside them in {@code io.rabitq.core}.
 * Never in a product jar.
 */
package io.rabitq.bench;
