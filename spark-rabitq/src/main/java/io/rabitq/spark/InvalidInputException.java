package io.rabitq.spark;

/**
 * A DataFrame, column, path or parameter cannot be used; the message names it and says what to fix. Raised on
 * the driver before heavy work starts whenever the problem is visible from the schema or parameters.
 */
public final class InvalidInputException extends io.rabitq.core.RabitqException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
