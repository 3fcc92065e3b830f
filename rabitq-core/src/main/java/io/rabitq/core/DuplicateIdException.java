package io.rabitq.core;

/** An id was added twice; ids identify vectors and must be unique within an index. */
public final class DuplicateIdException extends RabitqException {
    private static final long serialVersionUID = 1L;
    private final long id;

    public DuplicateIdException(long id) {
        super("id " + id + " is already in the index; ids must be unique (remove the duplicate row or re-key it)");
        this.id = id;
    }

    public long id() {
        return id;
    }
}
