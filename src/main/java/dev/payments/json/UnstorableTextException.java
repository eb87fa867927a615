package dev.payments.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonMappingException;

/** A JSON string (a value, or a key when {@link #inKey()}) that PostgreSQL text cannot hold. */
public final class UnstorableTextException extends JsonMappingException {

    private final boolean inKey;

    UnstorableTextException(JsonParser parser, String message, boolean inKey) {
        super(parser, message);
        this.inKey = inKey;
    }

    public boolean inKey() {
        return inKey;
    }
}
