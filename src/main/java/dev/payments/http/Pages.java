package dev.payments.http;

import dev.payments.problem.Problems;
import java.util.Optional;
import java.util.UUID;

/** The query parameters of every list (limit, starting_after) and the ids in paths, read alike everywhere. */
public final class Pages {

    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    private Pages() {
    }

    /** The page size: 20 by default, 1 to 100, else 400. */
    public static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit.trim());
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problems.validation("limit", "must be an integer from 1 to " + MAX_LIMIT);
    }

    /** The starting_after cursor, an id of a {@code what}; null if absent, 400 if it cannot be one. */
    public static UUID cursor(String startingAfter, String what) {
        if (startingAfter == null) {
            return null;
        }
        return uuid(startingAfter).orElseThrow(() -> Problems.validation("starting_after", "must be a " + what + " id"));
    }

    /** The id, only in its canonical form; empty for anything else. */
    public static Optional<UUID> uuid(String value) {
        try {
            UUID uuid = UUID.fromString(value);
            // UUID.fromString accepts short forms like 1-2-3-4-5; only the canonical form names a resource
            return uuid.toString().equalsIgnoreCase(value) ? Optional.of(uuid) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
