package dev.payments.merchant;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;

/**
 * {@code Authorization: Bearer <api key>} (RFC 6750; the scheme is case-insensitive). Which paths
 * need it is not decided here: resources say so with {@code @Authenticated}, and every endpoint
 * that says nothing is denied ({@code quarkus.security.jaxrs.deny-unannotated-endpoints}), so no
 * spelling of a path can reach a resource without the check RESTEasy applies to the route it took.
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {

    static final String REALM_CHALLENGE = "Bearer realm=\"payments\"";
    private static final String BEARER = "bearer ";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        List<String> authorization = context.request().headers().getAll(HttpHeaders.AUTHORIZATION);
        if (authorization.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        if (authorization.size() > 1) {
            return Uni.createFrom().failure(new AuthenticationFailedException("more than one Authorization header"));
        }
        String value = authorization.get(0);
        if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            // another scheme (Basic, say) is no credential of ours: the request stays anonymous
            return Uni.createFrom().nullItem();
        }
        return identities.authenticate(new ApiKeyAuthenticationRequest(value.substring(BEARER.length()).trim()));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", REALM_CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyAuthenticationRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }
}
