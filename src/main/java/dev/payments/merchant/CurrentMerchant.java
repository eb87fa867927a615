package dev.payments.merchant;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;

/**
 * The merchant of the current request, as {@link ApiKeyIdentityProvider} authenticated it. Only
 * for {@code @Authenticated} resources: there the identity is resolved before the method runs.
 */
@RequestScoped
public class CurrentMerchant {

    private final SecurityIdentity identity;

    CurrentMerchant(SecurityIdentity identity) {
        this.identity = identity;
    }

    public String id() {
        if (identity.isAnonymous()) {
            throw new IllegalStateException("no authenticated merchant: is the resource @Authenticated?");
        }
        return identity.getPrincipal().getName();
    }
}
