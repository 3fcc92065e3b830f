package io.rabitq.bundle;

/** Base of every bundle error (under the product root {@link io.rabitq.core.RabitqException}); the message names the bundle, file or field at fault and what to do. */
public class BundleException extends io.rabitq.core.RabitqException {
    private static final long serialVersionUID = 1L;

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
