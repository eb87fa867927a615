package dev.payments.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Every string read from a request, in any field and any future field, map keys included, must be
 * text PostgreSQL can store. Two kinds of JSON string cannot be: one containing U+0000 (PostgreSQL
 * text has no NUL; the insert would fail), and one with an unpaired UTF-16 surrogate (valid in
 * JSON's \\u escapes, but not Unicode: the driver would silently store it as '?'). Both are
 * refused while the body is parsed, as a 400 naming the field, before anything is claimed.
 */
@Singleton
public class StorableText implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        SimpleModule module = new SimpleModule("storable-text");
        module.addDeserializer(String.class, new TextDeserializer());
        module.addKeyDeserializer(String.class, new TextKeyDeserializer());
        mapper.registerModule(module);
    }

    /** Why {@code text} cannot be stored, or null if it can. */
    public static String whyUnstorable(String text) {
        if (text.indexOf('\u0000') >= 0) {
            return "must not contain the character U+0000";
        }
        if (hasUnpairedSurrogate(text)) {
            return "must not contain an unpaired surrogate (not Unicode text)";
        }
        return null;
    }

    /** Whether {@code text} is not Unicode: a UTF-16 surrogate without its other half. */
    public static boolean hasUnpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** Jackson's own string reading (and its coercion rules), then the check. */
    private static final class TextDeserializer extends StringDeserializer {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String text = super.deserialize(parser, context);
            String why = text == null ? null : whyUnstorable(text);
            if (why != null) {
                throw new UnstorableTextException(parser, why, false);
            }
            return text;
        }
    }

    private static final class TextKeyDeserializer extends KeyDeserializer {
        @Override
        public Object deserializeKey(String key, DeserializationContext context) throws IOException {
            String why = whyUnstorable(key);
            if (why != null) {
                throw new UnstorableTextException(context.getParser(), "keys " + why, true);
            }
            return key;
        }
    }
}
