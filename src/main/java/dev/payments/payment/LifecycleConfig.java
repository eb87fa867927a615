package dev.payments.payment;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How long an authorization waits for its capture: {@code payments.authorization-expiry}. */
@ConfigMapping(prefix = "payments")
public interface LifecycleConfig {

    /**
     * An authorization (capture_method manual) not captured within this is canceled by the
     * service, reason abandoned. 7 days is what card networks typically hold an authorization for;
     * past it a capture would fail at the processor anyway.
     */
    @WithDefault("7d")
    Duration authorizationExpiry();
}
