package io.rabitq.bundle;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * File names read from a manifest or {@code CURRENT} are plain names inside the generation directory:
 * 1..128 characters of {@code [A-Za-z0-9._-]}, not starting with a dot. That excludes {@code ..}, absolute
 * paths, separators, NUL and control characters.
 */
final class SafeNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final Pattern GENERATION = Pattern.compile("gen-[0-9]{6,18}");

    private SafeNames() {
    }

    static String file(Path where, String field, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new CorruptBundleException(where, "field '" + field + "' holds an unsafe file name "
                    + quote(name) + "; only plain names of [A-Za-z0-9._-] are allowed");
        }
        return name;
    }

    static String generation(Path where, String name) {
        if (name == null || !GENERATION.matcher(name).matches()) {
            throw new CorruptBundleException(where, "does not name a generation (gen-NNNNNN): " + quote(name));
        }
        return name;
    }

    static boolean isGeneration(String name) {
        return GENERATION.matcher(name).matches();
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return "'" + shown.replace("\0", "\\0").replace("\n", "\\n") + "'";
    }
}
