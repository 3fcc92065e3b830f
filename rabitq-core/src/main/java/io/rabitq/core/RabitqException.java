package io.rabitq.core;

/**
 * The root of every error this product raises on purpose: core, bundle ({@code BundleException}), lake
 * ({@code LakeException}) and Spark ({@code InvalidInputException}) errors all extend it, so one
 * {@code catch (RabitqException e)} separates "the input or the data must be fixed" from bugs. Messages say what
 * was wrong and how to fix it.
 */
public class RabitqException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RabitqException(String message) {
        super(message);
    }

    public RabitqException(String message, Throwable cause) {
        super(message, cause);
    }
}
