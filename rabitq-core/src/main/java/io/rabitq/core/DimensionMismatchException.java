package io.rabitq.core;

/** A vector or query does not have the dimension the index was created with. */
public final class DimensionMismatchException extends RabitqException {
    private static final long serialVersionUID = 1L;
    private final int expected;
    private final int actual;

    public DimensionMismatchException(String what, int expected, int actual) {
        super(what + " has dimension " + actual + " but the index has dimension " + expected
                + "; pass vectors of length " + expected + " (or create the index with dim=" + actual + ")");
        this.expected = expected;
        this.actual = actual;
    }

    public int expected() {
        return expected;
    }

    public int actual() {
        return actual;
    }
}
