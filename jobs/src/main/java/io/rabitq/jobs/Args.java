package io.rabitq.jobs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --name value} / {@code --flag} command-line options. Every option a command reads must be known;
 * leftovers are reported as an error naming them, so typos never pass silently.
 */
final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> read = new ArrayList<>();

    Args(String[] argv, int from) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'; options look like --name value");
            }
            String name = a.substring(2);
            String value = "true";
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                value = argv[++i];
            }
            values.put(name, value);
        }
    }

    String string(String name, String def) {
        read.add(name);
        return values.getOrDefault(name, def);
    }

    /** An option without a default. */
    String required(String name) {
        String v = string(name, null);
        if (v == null || v.isEmpty()) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }

    int integer(String name, int def) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    long longValue(String name, long def) {
        String v = string(name, null);
        try {
            return v == null ? def : Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    /** Fails on options no command read. */
    void checkAllUsed() {
        for (String k : values.keySet()) {
            if (!read.contains(k)) {
                throw new UsageException("unknown option --" + k);
            }
        }
    }

    /** A usage error: message for the user, exit code 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
