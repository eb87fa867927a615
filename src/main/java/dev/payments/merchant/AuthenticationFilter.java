package dev.payments.merchant;

import dev.payments.problem.Problems;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every request to /payments must carry {@code Authorization: Bearer <api key>}. Runs before
 * routing, so a caller without a valid key learns nothing else about the request (401 comes
 * before 404, 405, 413 or 415). A key seen recently is checked in memory on the event loop; any
 * other goes to the database on a worker thread.
 */
public class AuthenticationFilter {

    private static final String BEARER = "bearer ";

    private final MerchantAuthenticator authenticator;

    AuthenticationFilter(MerchantAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext request, RoutingContext routing) {
        if (!isPaymentsPath(routing.normalizedPath())) {
            return Uni.createFrom().nullItem();
        }
        String apiKey = bearerToken(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (apiKey == null) {
            return Uni.createFrom().failure(Problems.unauthorized(false));
        }
        String digest = ApiKeys.sha256Hex(apiKey);
        Optional<String> cached = authenticator.cached(digest);
        if (cached.isPresent()) {
            CurrentMerchant.set(routing, cached.get());
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().item(() -> authenticator.lookup(digest))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(merchant -> {
                    CurrentMerchant.set(routing, merchant.orElseThrow(() -> Problems.unauthorized(true)));
                    return null;
                });
    }

    static boolean isPaymentsPath(String path) {
        return path.equals("/payments") || path.startsWith("/payments/");
    }

    /** The token of a Bearer credential (RFC 6750: the scheme is case-insensitive), or null. */
    static String bearerToken(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = authorization.substring(BEARER.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
