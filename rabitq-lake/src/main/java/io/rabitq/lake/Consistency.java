package io.rabitq.lake;

import java.time.Duration;

/**
 * When the cache asks a backend whether a collection changed: {@link #fresh() on every search},
 * {@link #eventual(Duration) at most once per ttl}, or {@link #frozen() never after the first load} (only
 * {@link Lake#invalidate} or {@link Lake#refreshFromBundleDir} move a frozen collection).
 */
public record Consistency(Mode mode, Duration ttl) {
    public enum Mode { FRESH, EVENTUAL, FROZEN }

    public Consistency {
        if (mode == Mode.EVENTUAL && (ttl == null || ttl.isNegative())) {
            throw new LakeException("an EVENTUAL consistency needs a ttl >= 0 but got " + ttl);
        }
    }

    public static Consistency fresh() {
        return new Consistency(Mode.FRESH, Duration.ZERO);
    }

    public static Consistency eventual(Duration ttl) {
        return new Consistency(Mode.EVENTUAL, ttl);
    }

    public static Consistency frozen() {
        return new Consistency(Mode.FROZEN, Duration.ZERO);
    }

    /** Whether a collection last checked at {@code checkedAtNanos} may be served without asking the backend. */
    boolean canSkipCheck(long checkedAtNanos, long nowNanos) {
        return switch (mode) {
            case FRESH -> false;
            case EVENTUAL -> nowNanos - checkedAtNanos < ttl.toNanos();
            case FROZEN -> true;
        };
    }
}
