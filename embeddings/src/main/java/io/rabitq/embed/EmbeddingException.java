package io.rabitq.embed;

import io.rabitq.core.RabitqException;

/** A sentence model or tokenizer cannot be loaded or run; the message names the file and what to do. */
public final class EmbeddingException extends RabitqException {
    private static final long serialVersionUID = 1L;

    public EmbeddingException(String message, Throwable cause) {
        super(message, cause);
    }
}
