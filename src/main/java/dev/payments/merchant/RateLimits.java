package dev.payments.merchant;

import dev.payments.problem.Problems;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * A token bucket per authenticated merchant (Bucket4j): a merchant over its rate gets 429 with
 * Retry-After at once, before any work, and the other merchants are not slowed. In memory, per
 * instance: N instances admit up to N times the rate, which is what a limit against starvation of
 * one instance's capacity needs. Anonymous requests are left to authentication (401).
 */
public class RateLimits {

    private final MerchantsConfig.RateLimit config;
    private final CurrentIdentityAssociation identities;
    /** One bucket per merchant that has made a request: bounded by the number of merchants. */
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimits(MerchantsConfig config, CurrentIdentityAssociation identities) {
        this.config = config.rateLimit();
        this.identities = identities;
    }

    @ServerRequestFilter
    public Uni<Response> limit() {
        return identities.getDeferredIdentity().map(identity -> {
            if (identity.isAnonymous()) {
                return null;
            }
            ConsumptionProbe probe = buckets.computeIfAbsent(identity.getPrincipal().getName(), this::bucket)
                    .tryConsumeAndReturnRemaining(1);
            if (probe.isConsumed()) {
                return null;
            }
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
            throw Problems.rateLimited(seconds);
        });
    }

    private Bucket bucket(String merchantId) {
        Integer override = config.merchants().get(merchantId);
        int rate = override != null ? override : config.requestsPerSecond();
        int burst = override != null ? 2 * override : config.burst();
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(burst).refillGreedy(rate, Duration.ofSeconds(1)))
                .build();
    }
}
