package dev.payments.merchant;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CaffeineCache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Which merchant an API key digest belongs to. Answers are remembered in two bounded caches
 * (Quarkus Cache, Caffeine; sizes and lifetimes in application.properties): known keys, so a
 * request costs no query, and unknown ones, so a client (or an attacker) repeating a wrong key
 * costs no query either. The caches are separate so that a flood of made-up keys can only evict
 * other made-up keys, never a merchant's. A revoked key stops working, and a new key that was
 * tried before it existed starts working, within the cache lifetime ({@code payments.auth.cache-ttl}).
 */
@ApplicationScoped
public class MerchantDirectory {

    static final String KNOWN = "merchants-by-api-key";
    static final String UNKNOWN = "unknown-api-keys";

    private final MerchantsConfig config;
    private final CaffeineCache known;
    private final CaffeineCache unknown;
    private final Counter lookups;

    MerchantDirectory(MerchantsConfig config, @CacheName(KNOWN) Cache known, @CacheName(UNKNOWN) Cache unknown,
            MeterRegistry registry) {
        this.config = config;
        this.known = known.as(CaffeineCache.class);
        this.unknown = unknown.as(CaffeineCache.class);
        this.lookups = Counter.builder("payments.auth.lookups")
                .description("API keys looked up in the database (not answered from memory)").register(registry);
    }

    /** The merchant of a digest seen recently, without touching the database. */
    Optional<String> rememberedMerchant(String apiKeySha256) {
        // only completed futures are put (see lookup)
        CompletableFuture<String> merchant = known.getIfPresent(apiKeySha256);
        return merchant == null ? Optional.empty() : Optional.of(merchant.join());
    }

    /** Whether a digest was looked up recently and belonged to nobody. */
    boolean rememberedAsUnknown(String apiKeySha256) {
        return unknown.getIfPresent(apiKeySha256) != null;
    }

    /** Asks the database and remembers the answer; blocking, so call it on a worker thread. */
    Optional<String> lookup(String apiKeySha256) {
        lookups.increment();
        String query = config.demoMerchants() ? "apiKeySha256 = ?1" : "apiKeySha256 = ?1 and demo = false";
        Optional<String> merchantId = QuarkusTransaction.joiningExisting().call(() -> Merchant
                .<Merchant>find(query, apiKeySha256)
                .firstResultOptional()
                .map(m -> m.id));
        if (merchantId.isPresent()) {
            known.put(apiKeySha256, CompletableFuture.completedFuture(merchantId.get()));
        } else {
            unknown.put(apiKeySha256, CompletableFuture.completedFuture(Boolean.TRUE));
        }
        return merchantId;
    }
}
