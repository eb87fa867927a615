package dev.payments.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.TreeMap;

/** Metadata (string to string) as the jsonb columns store it: keys in order, so equal maps are equal text. */
public final class StringMaps {

    private static final TypeReference<TreeMap<String, String>> TYPE = new TypeReference<>() {
    };

    private StringMaps() {
    }

    public static String write(ObjectMapper json, Map<String, String> map) {
        try {
            return json.writeValueAsString(new TreeMap<>(map));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize metadata", e);
        }
    }

    public static Map<String, String> read(ObjectMapper json, String stored) {
        try {
            return json.readValue(stored, TYPE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read stored metadata", e);
        }
    }
}
