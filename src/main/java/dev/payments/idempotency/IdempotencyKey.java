package dev.payments.idempotency;

import dev.payments.problem.Problems;
import java.util.List;

/**
 * A validated Idempotency-Key header value: 1 to 255 visible ASCII characters (0x21-0x7E). The
 * quoted form of the IETF draft (an sf-string, {@code "abc"}) names the same key as {@code abc}.
 */
public record IdempotencyKey(String value) {

    public static final String HEADER = "Idempotency-Key";
    public static final int MAX_LENGTH = 255;

    /** Parses the header's values; anything but exactly one valid value is a 400. */
    public static IdempotencyKey parse(List<String> headerValues) {
        if (headerValues == null || headerValues.isEmpty()) {
            throw Problems.invalidIdempotencyKey("is required");
        }
        if (headerValues.size() > 1) {
            throw Problems.invalidIdempotencyKey("must be sent once");
        }
        String key = headerValues.get(0);
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            key = key.substring(1, key.length() - 1);
        }
        if (key.isEmpty()) {
            throw Problems.invalidIdempotencyKey("must not be empty");
        }
        if (key.length() > MAX_LENGTH) {
            throw Problems.invalidIdempotencyKey("must be at most " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw Problems.invalidIdempotencyKey("must contain only visible ASCII characters (no spaces)");
            }
        }
        return new IdempotencyKey(key);
    }

    @Override
    public String toString() {
        return value;
    }
}
