package dev.payments.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Identifies "the same request" for an idempotency key: SHA-256 of the method, the path and the
 * body re-serialized canonically (record fields in declaration order, map entries sorted), so
 * whitespace and the order of keys in the client's JSON do not matter but every value does.
 */
@Singleton
public class RequestFingerprint {

    private final ObjectMapper canonical;

    RequestFingerprint(ObjectMapper json) {
        this.canonical = json.copy().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    public String of(String method, String path, Object body) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update((method + ' ' + path + '\n').getBytes(StandardCharsets.UTF_8));
            sha256.update(canonical.writeValueAsBytes(body));
            return HexFormat.of().formatHex(sha256.digest());
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint a request", e);
        }
    }
}
