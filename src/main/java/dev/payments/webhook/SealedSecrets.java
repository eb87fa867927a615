package dev.payments.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.config.DemoConfig;
import dev.payments.config.StartRefused;
import dev.payments.idempotency.Outcome;
import dev.payments.idempotency.StoredAnswer;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Webhook signing secrets as stored: sealed with AES-256-GCM under a key-encryption key from
 * configuration ({@code payments.webhooks.encryption-key}), never in clear, in the endpoint's row
 * and in the answers stored on keys (which carry the secret, and are replayed). A sealed secret is
 * {@code v1:<key id>:<base64url of nonce, ciphertext and tag>}; the key id (the first 8 hex digits of
 * the key's SHA-256) says which key opens it, so the key can be rotated: the new one seals, the old
 * ones ({@code payments.webhooks.previous-encryption-keys}) still open, and {@link ResealSecrets}
 * seals everything again under the new one. The endpoint's id is the associated data: a sealed
 * secret copied onto another endpoint's row does not open. Secrets are opened only to sign a
 * delivery or to answer the request that made or rotated them (and its replay).
 */
@ApplicationScoped
public class SealedSecrets {

    private static final Logger LOG = Logger.getLogger(SealedSecrets.class);
    private static final String VERSION = "v1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String currentId;
    private final String currentPrefix;
    private final SecretKey current;
    /** Every key that may open, by id: the current one and the previous ones. */
    private final Map<String, SecretKey> keys = new LinkedHashMap<>();
    private final ObjectMapper json;

    @Inject
    SealedSecrets(WebhooksConfig config, DemoConfig demo, ObjectMapper json) {
        this(config.encryptionKey().map(SealedSecrets::decodeKey).orElseGet(() -> generated(demo.demo())),
                config.previousEncryptionKeys().orElse(List.of()).stream().map(SealedSecrets::decodeKey).toList(), json);
    }

    /** Sealing under {@code key}, opening with it and with {@code previous}. */
    SealedSecrets(byte[] key, List<byte[]> previous, ObjectMapper json) {
        this.json = json;
        this.current = new SecretKeySpec(key, "AES");
        this.currentId = keyId(key);
        this.currentPrefix = VERSION + ":" + currentId + ":";
        keys.put(currentId, current);
        for (byte[] old : previous) {
            keys.putIfAbsent(keyId(old), new SecretKeySpec(old, "AES"));
        }
        LOG.infof("webhook secrets sealed under key %s; %d older key(s) can still open", currentId, keys.size() - 1);
    }

    /** Thrown when a sealed secret cannot be opened: a key that is not configured, or a row that was tampered with. */
    public static final class Unreadable extends RuntimeException {
        Unreadable(String message) {
            super(message);
        }
    }

    /** The secret sealed for the endpoint, under the current key. */
    String seal(String secret, UUID endpointId) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, current, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(currentId, endpointId));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] stored = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
            return currentPrefix + Base64.getUrlEncoder().withoutPadding().encodeToString(stored);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is in every JVM", e);
        }
    }

    /** The endpoint's secret, opened. */
    String open(String sealed, UUID endpointId) {
        String[] parts = sealed.split(":", 3);
        if (parts.length != 3 || !parts[0].equals(VERSION)) {
            throw new Unreadable("not a sealed secret");
        }
        SecretKey key = keys.get(parts[1]);
        if (key == null) {
            throw new Unreadable("sealed under key " + parts[1] + ", which is not configured");
        }
        try {
            byte[] stored = Base64.getUrlDecoder().decode(parts[2]);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 0, NONCE_BYTES));
            cipher.updateAAD(associatedData(parts[1], endpointId));
            return new String(cipher.doFinal(stored, NONCE_BYTES, stored.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new Unreadable("sealed under key " + parts[1] + " but does not open (tampered with, or another endpoint's)");
        }
    }

    /** What every secret sealed under the current key starts with. */
    String currentPrefix() {
        return currentPrefix;
    }

    /**
     * The secret as stored, under the current key: as it is if it already is; sealed again if it is
     * under an older key; sealed for the first time if it is in clear (from before V9).
     */
    String underCurrentKey(String stored, UUID endpointId) {
        if (stored.startsWith(currentPrefix)) {
            return stored;
        }
        return seal(stored.startsWith(WebhookSignatures.SECRET_PREFIX) ? stored : open(stored, endpointId), endpointId);
    }

    /**
     * The outcome as the client is to see it: an answer that carries an endpoint with its sealed
     * secret (made or rotated, or the replay of that) gets the secret opened. The stored answer
     * keeps it sealed; every other outcome is left as it is.
     */
    Outcome opened(Outcome outcome) {
        if (!(outcome instanceof Outcome.Answered answered) || answered.answer().status() >= 300) {
            return outcome;
        }
        StoredAnswer answer = answered.answer();
        String body = resealedOrOpened(answer.body(), this::open);
        return body.equals(answer.body()) ? outcome
                : new Outcome.Answered(new StoredAnswer(answer.status(), body, answer.location()), answered.replayed());
    }

    /** A stored answer's body with its endpoint's secret sealed under the current key (or the body as it is, if it has none). */
    String resealAnswer(String body) {
        return resealedOrOpened(body, this::underCurrentKey);
    }

    private interface SecretChange {
        String apply(String stored, UUID endpointId);
    }

    /** The body with its top-level {@code secret} changed, byte for byte otherwise the same. */
    private String resealedOrOpened(String body, SecretChange change) {
        try {
            JsonNode tree = json.readTree(body);
            JsonNode secret = tree.get("secret");
            JsonNode id = tree.get("id");
            if (secret == null || !secret.isTextual() || id == null || !id.isTextual()) {
                return body;
            }
            String stored = secret.asText();
            String changed = change.apply(stored, UUID.fromString(id.asText()));
            // the value is base64url or whsec_ and base64url: written the same in JSON, no escaping
            return body.replace("\"secret\":\"" + stored + "\"", "\"secret\":\"" + changed + "\"");
        } catch (IOException | IllegalArgumentException e) {
            return body; // not an endpoint's JSON
        }
    }

    private static byte[] associatedData(String keyId, UUID endpointId) {
        return (VERSION + ":" + keyId + ":" + endpointId).getBytes(StandardCharsets.US_ASCII);
    }

    static String keyId(byte[] key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** 32 bytes, in base64 (as {@code openssl rand -base64 32} writes them). */
    static byte[] decodeKey(String encoded) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(encoded.trim());
        } catch (IllegalArgumentException e) {
            throw new StartRefused("payments.webhooks encryption keys are base64 (openssl rand -base64 32)");
        }
        if (key.length != 32) {
            throw new StartRefused("payments.webhooks encryption keys are 32 bytes (openssl rand -base64 32), not "
                    + key.length);
        }
        return key;
    }

    /** Dev, test and a demo only: a key for this run, said so; production refuses to start without one. */
    private static byte[] generated(boolean demo) {
        if (LaunchMode.current() == LaunchMode.NORMAL && !demo) {
            throw new StartRefused("payments.webhooks.encryption-key (PAYMENTS_WEBHOOKS_ENCRYPTION_KEY) is required: "
                    + "32 random bytes in base64, from a secret store (openssl rand -base64 32)");
        }
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        LOG.warnf("payments.webhooks.encryption-key is not set: webhook secrets are sealed under a key made for this run "
                + "(%s); endpoints registered in another run cannot sign until they rotate their secret", keyId(key));
        return key;
    }
}
