package io.rabitq.bundle;

import java.nio.file.Path;

/**
 * A bundle's bytes do not match what its manifest promises (missing, truncated or altered file, wrong row
 * count, bad hash, malformed or unsafe manifest). The bundle must not be used; republish it.
 */
public final class CorruptBundleException extends BundleException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    public CorruptBundleException(Path file, String problem) {
        super(file + ": " + problem + " (the bundle is corrupt or was tampered with; republish it)");
        this.file = file;
    }

    public CorruptBundleException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem + " (the bundle is corrupt or was tampered with; republish it)", cause);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
