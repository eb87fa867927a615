package dev.payments.idempotency;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Identifies "the same request" for an idempotency key, so that a retry is recognised across
 * deploys, and a reused key with another request is not.
 *
 * <p>Scheme 2 (current): SHA-256 over {@code METHOD SP path LF} and the RFC 8785 canonical form
 * ({@link CanonicalJson}) of the request's JSON value after the service's own normalization
 * (the caller passes the normalized request: currency upper-cased, say), with every member whose
 * value is null left out. So key order, whitespace, {@code eur}/{@code EUR}, and an absent field
 * versus {@code null} do not matter, and adding an optional field to the request type changes no
 * fingerprint of a request that does not use it.
 *
 * <p>Scheme 1 (the releases before): SHA-256 over the same prefix and the request record as Jackson
 * wrote it, fields in declaration order, nulls included, as sent. Rows stored under it are still
 * compared by it, from a fixed list of the fields it had, until they expire.
 */
@Singleton
public class RequestFingerprint {

    public static final int CURRENT_SCHEME = 2;
    public static final int LEGACY_SCHEME = 1;

    private final ObjectMapper json;
    private final ObjectMapper legacy;

    RequestFingerprint(ObjectMapper json) {
        this.json = json;
        this.legacy = json.copy().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    /** The current scheme's fingerprint of a normalized request body. */
    public String of(String method, String path, Object normalizedBody) {
        JsonNode value = withoutNulls(json.valueToTree(normalizedBody));
        return sha256(method, path, CanonicalJson.of(value).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Scheme 1's fingerprint, from the request's fields in the order and form that scheme wrote them
     * (JSON names; values as the client sent them).
     */
    public String legacyV1(String method, String path, Map<String, Object> fieldsInOrder) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = legacy.createGenerator(bytes)) {
            out.writeStartObject();
            for (Map.Entry<String, Object> field : fieldsInOrder.entrySet()) {
                out.writeFieldName(field.getKey());
                out.writeObject(field.getValue());
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot fingerprint a request", e);
        }
        return sha256(method, path, bytes.toByteArray());
    }

    /**
     * Whether a stored fingerprint names the same request as {@code current} (this request's
     * fingerprint under the current scheme); {@code legacyV1} computes this request's scheme-1
     * fingerprint, only if a row of that scheme needs it. A scheme this release does not know (a
     * row written by a newer release, before a rollback) is trusted: replaying the original answer
     * can never charge twice, while a 422 tells the client to pay again under a new key.
     */
    public boolean sameRequest(StoredKey stored, String current, Supplier<String> legacyV1) {
        return switch (stored.fingerprintScheme()) {
            case CURRENT_SCHEME -> stored.requestFingerprint().equals(current);
            case LEGACY_SCHEME -> stored.requestFingerprint().equals(legacyV1.get());
            default -> true;
        };
    }

    private static JsonNode withoutNulls(JsonNode value) {
        if (value instanceof ObjectNode object) {
            List<String> nulls = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> members = object.fields(); members.hasNext(); ) {
                Map.Entry<String, JsonNode> member = members.next();
                if (member.getValue().isNull()) {
                    nulls.add(member.getKey());
                } else {
                    withoutNulls(member.getValue());
                }
            }
            object.remove(nulls);
        } else if (value.isArray()) {
            value.forEach(RequestFingerprint::withoutNulls);
        }
        return value;
    }

    private static String sha256(String method, String path, byte[] body) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update((method + ' ' + path + '\n').getBytes(StandardCharsets.UTF_8));
            sha256.update(body);
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
