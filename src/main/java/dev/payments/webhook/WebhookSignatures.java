package dev.payments.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Endpoint secrets and the {@code Payments-Signature} header: {@code t=<unix seconds>,v1=<hex
 * HMAC-SHA256>} over {@code "<t>.<raw body>"}, keyed by the whole {@code whsec_...} string as
 * UTF-8, with one {@code v1} per secret in use (two during a rotation). The timestamp is signed,
 * so a receiver that refuses old ones (5 minutes) cannot be replayed an old delivery.
 */
public final class WebhookSignatures {

    public static final String HEADER = "Payments-Signature";
    public static final String EVENT_ID_HEADER = "Payments-Event-Id";
    public static final String EVENT_TYPE_HEADER = "Payments-Event-Type";

    static final String SECRET_PREFIX = "whsec_";
    /** 32 random bytes: 256 bits, the HMAC-SHA256 key size. */
    private static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSignatures() {
    }

    /** A new secret: whsec_ and 32 random bytes, base64url. */
    public static String newSecret() {
        byte[] bytes = new byte[SECRET_BYTES];
        RANDOM.nextBytes(bytes);
        return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The header's value for {@code body} sent at {@code timestamp} (unix seconds), signed with each secret. */
    public static String header(long timestamp, String body, List<String> secrets) {
        StringBuilder header = new StringBuilder("t=").append(timestamp);
        for (String secret : secrets) {
            header.append(",v1=").append(sign(secret, timestamp, body));
        }
        return header.toString();
    }

    /** hex(HMAC-SHA256(secret, "<timestamp>.<body>")). */
    public static String sign(String secret, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
