package io.rabitq.core;

import java.lang.System.Logger.Level;

/**
 * Chooses the scan kernel once per JVM, the way Lucene's VectorizationProvider does: the Vector API FastScan
 * kernel when {@code jdk.incubator.vector} is available and the CPU has 512-bit vectors, else the scalar
 * kernel, with a log line that says how to enable the fast one. The system property
 * {@code rabitq.kernel=scalar|vector} forces a choice ({@code vector} fails loudly if it cannot run).
 */
public final class Kernels {
    private static final System.Logger LOG = System.getLogger(Kernels.class.getName());
    public static final String PROPERTY = "rabitq.kernel";

    private Kernels() {
    }

    private static final class Holder {
        static final ScanKernel SCAN = select(System.getProperty(PROPERTY, "auto"));
    }

    /** The kernel used by default in this JVM. */
    public static ScanKernel scan() {
        return Holder.SCAN;
    }

    /** The always-available scalar kernel. */
    public static ScanKernel scalar() {
        return new ScalarScanKernel();
    }

    /** The Vector API kernel; throws {@link UnsupportedOperationException} with the fix if it cannot run. */
    public static ScanKernel vector() {
        if (!ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            throw new UnsupportedOperationException("the vector kernel needs the Vector API: "
                    + "start the JVM with --add-modules=jdk.incubator.vector");
        }
        if (!PanamaScanKernel.supported()) {
            throw new UnsupportedOperationException("the vector kernel needs 512-bit SIMD (AVX-512); "
                    + "this CPU's preferred vector size is smaller, use the scalar kernel");
        }
        return new PanamaScanKernel();
    }

    static ScanKernel select(String choice) {
        switch (choice) {
            case "scalar":
                return scalar();
            case "vector":
                return vector();
            case "auto":
                try {
                    return vector();
                } catch (UnsupportedOperationException | LinkageError e) {
                    LOG.log(Level.WARNING, "RaBitQ uses the scalar scan kernel (" + e.getMessage() + ")");
                    return scalar();
                }
            default:
                throw new InvalidParameterException("-D" + PROPERTY + "=" + choice + " is not valid; use scalar, vector or auto");
        }
    }
}
