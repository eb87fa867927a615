package dev.payments.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Every limit, timeout and retention of the payment API, with the reason for its default. */
@ConfigMapping(prefix = "payments")
public interface PaymentsConfig {

    /**
     * Registers the demo merchants acme (key sk_test_acme) and globex (sk_test_globex). Off by
     * default so that a production deployment never accepts published keys; on in dev and test.
     */
    @WithDefault("false")
    boolean demoMerchants();

    Idempotency idempotency();

    Auth auth();

    interface Idempotency {
        /**
         * How long a request waits for a concurrent request with the same key to commit before it
         * gives up with 409 and Retry-After. A create commits in milliseconds; 5s rides out a slow
         * disk or a pause and still answers well before a typical 30s client timeout.
         */
        @WithDefault("5s")
        Duration lockTimeout();

        /**
         * How long a key is remembered. 24h covers every sane client retry schedule (Stripe keeps
         * keys for 24h too); after it the key may be used for a new payment.
         */
        @WithDefault("24h")
        Duration retention();

        /** How often expired keys are deleted; a minute keeps the table close to its live size. */
        @WithDefault("1m")
        String cleanupInterval();

        /**
         * Keys deleted per transaction by the expiry job: small batches keep each delete's locks
         * and WAL short, so the job never stalls payments.
         */
        @WithDefault("1000")
        int cleanupBatchSize();

        /** Batches per run at most, so that one run is bounded even after a long outage. */
        @WithDefault("100")
        int cleanupMaxBatches();
    }

    interface Auth {
        /**
         * How long a verified API key is trusted without asking the database again. A minute saves
         * a query per request; revoking a key (deleting its merchant row) takes effect within it.
         */
        @WithDefault("60s")
        Duration cacheTtl();
    }
}
