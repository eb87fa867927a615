package dev.payments.merchant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What an API key looks like, and its digest. Keys are compared and stored only as lower-case hex
 * SHA-256 digests; a string that cannot be a key is refused before any digest or query.
 */
public final class ApiKeys {

    /**
     * {@code sk_test_} and 4 to 100 letters or digits, or {@code sk_live_} and 32 to 100 of them: the
     * demo keys (sk_test_acme) and generated ones (sk_live_ and 48 hex digits, 192 random bits) fit;
     * a live key short enough to guess never authenticates, and anything else (a pasted password, a
     * JWT, a megabyte of junk) never reaches the cache or the database.
     */
    private static final Pattern FORMAT = Pattern.compile("sk_test_[0-9A-Za-z]{4,100}|sk_live_[0-9A-Za-z]{32,100}");

    private ApiKeys() {
    }

    public static boolean isWellFormed(String apiKey) {
        return apiKey != null && apiKey.length() <= 108 && FORMAT.matcher(apiKey).matches();
    }

    public static String sha256Hex(String apiKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
