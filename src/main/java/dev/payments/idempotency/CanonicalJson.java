package dev.payments.idempotency;

import com.fasterxml.jackson.databind.JsonNode;
import dev.payments.json.StorableText;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON Canonicalization Scheme (RFC 8785) for the values a request body holds: object members
 * sorted by their names' UTF-16 code units, no whitespace, strings with only the escapes JCS
 * requires, literals as they are. Numbers are limited to integers of at most 2^53 in magnitude
 * (I-JSON's exact range), which is every number this API accepts; written as JCS (and ECMAScript)
 * writes them, digits only. A number with a fraction or an exponent is refused, not approximated.
 */
final class CanonicalJson {

    private static final BigInteger MAX_EXACT = BigInteger.TWO.pow(53);

    private CanonicalJson() {
    }

    static String of(JsonNode value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(JsonNode value, StringBuilder out) {
        switch (value.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>();
                value.fields().forEachRemaining(members::add);
                // String.compareTo compares UTF-16 code units, which is JCS's order
                members.sort(Map.Entry.comparingByKey());
                out.append('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    string(members.get(i).getKey(), out);
                    out.append(':');
                    write(members.get(i).getValue(), out);
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                Iterator<JsonNode> elements = value.elements();
                for (int i = 0; elements.hasNext(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(elements.next(), out);
                }
                out.append(']');
            }
            case STRING -> string(value.textValue(), out);
            case NUMBER -> {
                if (!value.isIntegralNumber() || value.bigIntegerValue().abs().compareTo(MAX_EXACT) > 0) {
                    throw new IllegalArgumentException("only integers up to 2^53 have a canonical form here: " + value);
                }
                out.append(value.bigIntegerValue());
            }
            case BOOLEAN -> out.append(value.booleanValue());
            case NULL -> out.append("null");
            default -> throw new IllegalArgumentException("not a JSON value: " + value.getNodeType());
        }
    }

    /** RFC 8785 3.2.2.2: escape '"', '\' and control characters (short forms where JSON has them). */
    private static void string(String text, StringBuilder out) {
        if (StorableText.hasUnpairedSurrogate(text)) {
            throw new IllegalArgumentException("an unpaired surrogate has no canonical form");
        }
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
