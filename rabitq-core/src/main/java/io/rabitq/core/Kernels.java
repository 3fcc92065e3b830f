package io.rabitq.core;

import java.lang.System.Logger.Level;

/**
 * Chooses the scan kernel once per JVM, the way Lucene's VectorizationProvider does: the Vector API FastScan
 * kernel when {@code jdk.incubator.vector} is available, at the CPU's vector width (512 bits on AVX-512, 256 on
 * AVX2, 128 on NEON and SSE), else the scalar kernel, with a log line that says how to enable the fast one.
 * The system property {@code rabitq.kernel=scalar|vector} forces a choice ({@code vector} fails loudly if it
 * cannot run) and {@code rabitq.simd.bits=512|256|128} a narrower width than the CPU's (tests run every width).
 */
public final class Kernels {
    private static final System.Logger LOG = System.getLogger(Kernels.class.getName());
    public static final String PROPERTY = "rabitq.kernel";
    /** System property forcing the vector kernel's width in bits: 512, 256 or 128 (default: the CPU's). */
    public static final String SIMD_BITS_PROPERTY = "rabitq.simd.bits";

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
        String unsupported = PanamaScanKernel.unsupportedReason();
        if (unsupported != null) {
            throw new UnsupportedOperationException(unsupported + "; use the scalar kernel");
        }
        return new PanamaScanKernel();
    }

    /** The width {@code value} of {@link #SIMD_BITS_PROPERTY} forces, or 0 when it is null (the CPU's width). */
    static int forcedSimdBits(String value) {
        if (value == null) {
            return 0;
        }
        switch (value) {
            case "512":
            case "256":
            case "128":
                return Integer.parseInt(value);
            default:
                throw new InvalidParameterException("-D" + SIMD_BITS_PROPERTY + "=" + value + " is not valid; use 512, 256 or 128");
        }
    }

    static ScanKernel select(String choice) {
        forcedSimdBits(System.getProperty(SIMD_BITS_PROPERTY)); // a mistyped width fails here, never as a silent fallback
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
