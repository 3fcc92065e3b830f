package io.rabitq.bundle;

/**
 * Another writer published a generation after this one started from the live generation it read: publishing would
 * drop that writer's changes, so nothing was published. Start again from the new live generation.
 */
public final class ConcurrentPublishException extends BundleException {
    private static final long serialVersionUID = 1L;

    public ConcurrentPublishException(java.nio.file.Path bundleDir, String expected, String live) {
        super(bundleDir + ": another writer published " + live + " after this one started from " + expected
                + "; nothing was published (run again to continue from " + live + ")");
    }
}
