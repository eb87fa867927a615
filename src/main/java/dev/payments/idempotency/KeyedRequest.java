package dev.payments.idempotency;

import java.util.function.Supplier;

/**
 * An idempotent request as its key knows it: whose, the key, and the fingerprint of what was asked
 * (method, path and normalized body). {@code legacyV1} computes the fingerprint the first scheme
 * gave the same request, for a key stored under that scheme; null where no such key can exist.
 */
public record KeyedRequest(String merchantId, IdempotencyKey key, String fingerprint, Supplier<String> legacyV1) {
}
