package io.rabitq.lake;

import java.util.concurrent.atomic.LongAdder;

/**
 * A snapshot of cache counters (global, per backend or per collection).
 *
 * @param hits          searches served after a coherence check (or a skipped one) found the cached index current
 * @param misses        checks that found no pointer or a different generation
 * @param primes        indexes built or loaded into the cache
 * @param sharedHits    misses answered by an index another key had already cached under the same witness
 * @param invalidations pointers dropped ({@link Lake#invalidate}, refresh) and entries freed by a pointer moving on
 * @param evictions     entries dropped to respect the entry or byte cap (per backend or collection: charged to the keys
 *                      that pointed at the entry, or to the key that primed it when none did)
 * @param lastPrimeMs   wall time of the last prime (pull/load + build), NaN before the first
 * @param avgPrimeMs    mean prime time, NaN before the first
 * @param hitRate       hits / (hits + misses), NaN before the first search
 */
public record CacheStats(long hits, long misses, long primes, long sharedHits, long invalidations, long evictions,
                         double lastPrimeMs, double avgPrimeMs, double hitRate) {

    /** Live counters behind a {@link CacheStats} snapshot. */
    static final class Counter {
        final LongAdder hits = new LongAdder();
        final LongAdder misses = new LongAdder();
        final LongAdder primes = new LongAdder();
        final LongAdder sharedHits = new LongAdder();
        final LongAdder invalidations = new LongAdder();
        final LongAdder evictions = new LongAdder();
        final LongAdder primeNanos = new LongAdder();
        volatile long lastPrimeNanos = -1;

        void primed(long nanos) {
            primes.increment();
            primeNanos.add(nanos);
            lastPrimeNanos = nanos;
        }

        CacheStats snapshot() {
            long h = hits.sum();
            long m = misses.sum();
            long p = primes.sum();
            return new CacheStats(h, m, p, sharedHits.sum(), invalidations.sum(), evictions.sum(),
                    lastPrimeNanos < 0 ? Double.NaN : lastPrimeNanos / 1e6, p == 0 ? Double.NaN : primeNanos.sum() / 1e6 / p,
                    h + m == 0 ? Double.NaN : (double) h / (h + m));
        }
    }
}
