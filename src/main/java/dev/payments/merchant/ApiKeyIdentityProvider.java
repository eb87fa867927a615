package dev.payments.merchant;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Resolves a bearer API key to its merchant: the principal's name is the merchant id. A key that
 * cannot be a key is refused without a digest; a key seen recently, known or unknown, is answered
 * from memory on the event loop ({@link MerchantDirectory}); only a new key costs a query, on a
 * worker thread.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {

    private final MerchantDirectory directory;

    ApiKeyIdentityProvider(MerchantDirectory directory) {
        this.directory = directory;
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        if (!ApiKeys.isWellFormed(request.apiKey())) {
            return Uni.createFrom().failure(new AuthenticationFailedException("malformed API key"));
        }
        String digest = ApiKeys.sha256Hex(request.apiKey());
        Optional<String> merchant = directory.rememberedMerchant(digest);
        if (merchant.isPresent() || directory.rememberedAsUnknown(digest)) {
            return Uni.createFrom().item(() -> identity(merchant));
        }
        return context.runBlocking(() -> identity(directory.lookup(digest)));
    }

    private static SecurityIdentity identity(Optional<String> merchantId) {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(merchantId.orElseThrow(() -> new AuthenticationFailedException("unknown API key"))))
                .build();
    }
}
