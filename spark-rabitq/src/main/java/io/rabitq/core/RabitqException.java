package io.rabitq.core;

/** Base class of every error raised by {@code io.rabitq.core}; messages say what was wrong and how to fix it. */
public class RabitqException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RabitqException(String message) {
        super(message);
    }
}
