package io.rabitq.core;

/** A search was run on an index that holds no vectors. */
public final class EmptyIndexException extends RabitqException {
    private static final long serialVersionUID = 1L;

    public EmptyIndexException() {
        super("the index is empty: add vectors with add(id, vector) before searching");
    }
}
