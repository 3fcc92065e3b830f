package io.rabitq.bundle;

import java.util.List;
import java.util.Map;

/**
 * What a writer needs to know to lay out a generation: every load-bearing manifest field except the files.
 * See {@link Manifest} for the meaning of each field.
 */
public record BundleSpec(int dim, int paddedDim, String metric, int bits, String rotationKind, long rotationSeed,
                         int nlist, Map<String, String> params, List<String> factorColumns, boolean hasRaw,
                         String sourceRef, String sourceVersion, Map<String, String> tags) implements java.io.Serializable {

    public BundleSpec {
        if (dim < 1 || paddedDim < dim || paddedDim % 64 != 0) {
            throw new BundleException("need dim >= 1 and a padded dimension that is a multiple of 64 and >= dim; got dim="
                    + dim + ", paddedDim=" + paddedDim);
        }
        if (bits < 1 || bits > 9) {
            throw new BundleException("bits per dimension must be 1 to 9 but was " + bits);
        }
        if (nlist < 1) {
            throw new BundleException("nlist must be >= 1 but was " + nlist);
        }
        params = Map.copyOf(params);
        factorColumns = List.copyOf(factorColumns);
        tags = Map.copyOf(tags);
    }

    /** Bytes of each row's code: {@code bits} planes of {@code paddedDim / 8} bytes. */
    public int codeBytes() {
        return bits * paddedDim / 8;
    }
}
