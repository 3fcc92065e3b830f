package io.rabitq.bundle;

/**
 * A generation that was asked for by name no longer exists: retention removed it after its name was read. Not
 * damage — the bundle's live generation is intact; open that one (what {@link Bundle#open(java.nio.file.Path)} does).
 */
public final class GenerationGoneException extends BundleException {
    private static final long serialVersionUID = 1L;

    public GenerationGoneException(java.nio.file.Path bundleDir, String generation) {
        super("generation " + generation + " of " + bundleDir + " no longer exists (retention removed it); open the live "
                + "generation instead");
    }
}
