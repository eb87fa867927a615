package dev.payments.http;

import dev.payments.problem.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * One merchant's share of the places under {@link LoadShedding}'s limit: at most
 * {@code payments.overload.max-concurrent-requests-per-merchant} of its requests are worked on at
 * once (by default half of max-concurrent-requests); one more is answered 429
 * {@code too-many-concurrent-requests} with Retry-After, before anything is looked up or stored. The
 * rate limit counts requests; this counts how long they last, so a merchant whose requests are slow
 * (its processor, its lock waits, its own pacing) cannot hold every place either. Per instance, in
 * memory, like the rate limit.
 */
public class MerchantShare {

    private final int limit;
    private final CurrentIdentityAssociation identities;
    private final Counter refused;
    /** Requests in flight per merchant that has made one: bounded by the number of merchants. */
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    MerchantShare(OverloadConfig overload, CurrentIdentityAssociation identities, MeterRegistry registry) {
        this.limit = overload.maxConcurrentRequestsPerMerchant().orElse(Math.max(1, overload.maxConcurrentRequests() / 2));
        this.identities = identities;
        this.refused = Counter.builder("payments.http.merchant.share.refused")
                .description("Requests answered 429 too-many-concurrent-requests: their merchant had its share in flight")
                .register(registry);
    }

    @ServerRequestFilter
    public Uni<Response> take(RoutingContext context) {
        return identities.getDeferredIdentity().map(identity -> {
            if (identity.isAnonymous()) {
                return null; // authentication answers 401
            }
            AtomicInteger count = inFlight.computeIfAbsent(identity.getPrincipal().getName(), merchant -> new AtomicInteger());
            if (count.incrementAndGet() > limit) {
                count.decrementAndGet();
                refused.increment();
                throw Problems.tooManyConcurrentRequests(limit);
            }
            // called once however the exchange ends: answered, failed, or the client gone
            context.addEndHandler(ended -> count.decrementAndGet());
            return null;
        });
    }
}
