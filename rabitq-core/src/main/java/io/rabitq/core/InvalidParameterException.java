package io.rabitq.core;

/** A parameter (k, nprobe, rerank factor, dimension, ...) is out of its valid range. */
public final class InvalidParameterException extends RabitqException {
    private static final long serialVersionUID = 1L;

    public InvalidParameterException(String message) {
        super(message);
    }
}
