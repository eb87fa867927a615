package dev.payments.merchant;

import dev.payments.config.PaymentsConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves an API key to its merchant. Verified keys are remembered for
 * {@code payments.auth.cache-ttl}, so a request costs no extra query; unknown keys are never
 * remembered, so a new merchant works at once.
 */
@ApplicationScoped
public class MerchantAuthenticator {

    private record Verified(String merchantId, long expiresAtNanos) {
    }

    private final PaymentsConfig config;
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

    MerchantAuthenticator(PaymentsConfig config) {
        this.config = config;
    }

    /** The merchant of a key verified recently, without touching the database. */
    public Optional<String> cached(String apiKeySha256) {
        Verified hit = verified.get(apiKeySha256);
        if (hit == null) {
            return Optional.empty();
        }
        if (hit.expiresAtNanos() - System.nanoTime() < 0) {
            verified.remove(apiKeySha256, hit);
            return Optional.empty();
        }
        return Optional.of(hit.merchantId());
    }

    /** Asks the database; blocking, so call it on a worker thread. */
    public Optional<String> lookup(String apiKeySha256) {
        String query = config.demoMerchants() ? "apiKeySha256 = ?1" : "apiKeySha256 = ?1 and demo = false";
        Optional<String> merchantId = QuarkusTransaction.joiningExisting().call(() -> Merchant
                .<Merchant>find(query, apiKeySha256)
                .firstResultOptional()
                .map(m -> m.id));
        merchantId.ifPresent(id -> verified.put(apiKeySha256,
                new Verified(id, System.nanoTime() + config.auth().cacheTtl().toNanos())));
        return merchantId;
    }
}
