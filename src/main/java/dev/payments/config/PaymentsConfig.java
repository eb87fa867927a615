package dev.payments.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

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

    Database database();

    RateLimit rateLimit();

    interface Idempotency {
        /**
         * How long a request waits for a concurrent request with the same key to commit before it
         * gives up with 409 and Retry-After. A create commits in milliseconds; 2s rides out a slow
         * disk or a pause, and keeps every answer within the 5s bound (see Database).
         */
        @WithDefault("2s")
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
         * How long an API key's answer (its merchant, or that it is nobody's) is trusted without
         * asking the database again. A minute saves a query per request; revoking a key takes
         * effect within it.
         */
        @WithDefault("60s")
        Duration cacheTtl();
    }

    /**
     * Server-side limits of the service's database sessions. Together with the JDBC socket timeout
     * (3s) and the pool's acquisition timeout (1s), they bound every answer to about 4s however the
     * database misbehaves.
     */
    interface Database {
        /**
         * No statement runs longer (SQLSTATE 57014, answered 503). The slowest healthy statement is
         * a claim waiting out the 2s lock timeout; 2.5s leaves room for it and stays under the
         * socket timeout, so a slow server is cancelled by itself, cleanly, before the client gives up.
         */
        @WithDefault("2500ms")
        Duration statementTimeout();

        /**
         * A session idle inside a transaction this long is ended by the server. The service never
         * idles in a transaction (there are no network calls inside one), so only a client that
         * died or froze mid-transaction meets it, and its key is free again within 5s.
         */
        @WithDefault("5s")
        Duration idleInTransactionTimeout();
    }

    interface RateLimit {
        /**
         * Requests per second a merchant may make, sustained (a token bucket refilled at this
         * rate). Generous: 100/s is Stripe's live-mode default; it exists so that one merchant's
         * runaway client cannot take the capacity all merchants share.
         */
        @WithDefault("100")
        int requestsPerSecond();

        /** Requests a merchant may make at once above the sustained rate: absorbs bursts such as batch jobs. */
        @WithDefault("200")
        int burst();

        /**
         * Per-merchant sustained rates, by merchant id ({@code payments.rate-limit.merchants.initech=500});
         * the burst of such a merchant is twice its rate.
         */
        Map<String, Integer> merchants();
    }
}
