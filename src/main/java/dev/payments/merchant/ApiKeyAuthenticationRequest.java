package dev.payments.merchant;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** The bearer token of a request, to be resolved to a merchant by {@link ApiKeyIdentityProvider}. */
public final class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {

    private final String apiKey;

    ApiKeyAuthenticationRequest(String apiKey) {
        this.apiKey = apiKey;
    }

    String apiKey() {
        return apiKey;
    }
}
