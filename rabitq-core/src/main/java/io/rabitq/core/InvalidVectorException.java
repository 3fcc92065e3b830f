package io.rabitq.core;

/** A vector holds NaN or infinite components, or has zero norm where the metric needs a direction (cosine). */
public final class InvalidVectorException extends RabitqException {
    private static final long serialVersionUID = 1L;

    public InvalidVectorException(String message) {
        super(message);
    }
}
