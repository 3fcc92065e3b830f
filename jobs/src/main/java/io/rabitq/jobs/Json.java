package io.rabitq.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one JSON line a command prints on stdout last: fields in the order given, written by Jackson. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Map<String, Object> fields = new LinkedHashMap<>();

    /** Adds a field (round measured doubles with {@link #round} first). */
    public Json put(String name, Object value) {
        fields.put(name, value);
        return this;
    }

    /** {@code x} rounded to {@code decimals} places, so reports stay readable. */
    public static double round(double x, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(x * scale) / scale;
    }

    /** Prints the object as one line on stdout. */
    public void print() {
        System.out.println(this);
    }

    @Override
    public String toString() {
        try {
            return MAPPER.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
