package dev.payments.idempotency;

import dev.payments.config.RetentionCleanup;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How long keys are remembered, and their purge: {@code payments.idempotency.*}. How long a
 * request waits for a concurrent attempt is a time limit of the request (deadline/TimeLimits).
 */
@ConfigMapping(prefix = "payments.idempotency")
public interface IdempotencyConfig extends RetentionCleanup {

    /**
     * How long a key is remembered. 24h covers every sane client retry schedule (Stripe keeps
     * keys for 24h too); after it the key may be used for a new payment.
     */
    @Override
    @WithDefault("24h")
    Duration retention();
}
