package io.rabitq.lake;

/** Base class of the lake layer's errors; messages name the backend, collection or path and the fix. */
public class LakeException extends io.rabitq.core.RabitqException {
    private static final long serialVersionUID = 1L;

    public LakeException(String message) {
        super(message);
    }

    public LakeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A backend id that no {@link Lake#registerBackend registered} backend has. */
    public static final class UnknownBackend extends LakeException {
        private static final long serialVersionUID = 1L;

        public UnknownBackend(String backend) {
            super("no backend '" + backend + "' is registered; register it with Lake.registerBackend first");
        }
    }

    /** A collection its backend does not have (or, for cache operations, that the cache holds nothing for). */
    public static final class UnknownCollection extends LakeException {
        private static final long serialVersionUID = 1L;

        public UnknownCollection(String backend, String collection, String why) {
            super("collection '" + collection + "' of backend '" + backend + "': " + why);
        }
    }
}
