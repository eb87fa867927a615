package dev.payments.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/** Every limit, timeout and retention of the payment API, with the reason for its default. */
@ConfigMapping(prefix = "payments")
public interface PaymentsConfig {

    /**
     * Registers the demo merchants acme (key sk_test_acme) and globex (sk_test_globex). Off by
     * default so that a production deployment never accepts published keys; on in dev and test.
     */
    @WithDefault("false")
    boolean demoMerchants();

    /**
     * An authorization (capture_method manual) not captured within this is canceled by the
     * service, reason abandoned. 7 days is what card networks typically hold an authorization for;
     * past it a capture would fail at the processor anyway.
     */
    @WithDefault("7d")
    Duration authorizationExpiry();

    Idempotency idempotency();

    Events events();

    Webhooks webhooks();

    Overload overload();

    Auth auth();

    Database database();

    RateLimit rateLimit();

    Processor processor();

    interface Idempotency {
        /**
         * How long a request waits for the outcome of a concurrent request with the same key (one
         * still calling the processor) before it gives up with 409 and Retry-After. 5s covers a
         * processor call with its retry (2 x 2s timeout) and the commits around it.
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

        /**
         * Rest between two batches of one run. Working through a backlog back to back, the job took
         * a core (about 20,000 keys a second) and creates ran at 0.83 of their rate beside it; with
         * 100 ms of rest after each batch of about 50 ms it still deletes some 6,000 a second, and
         * 100 batches a minute (1,600 keys a second) stay above any create rate this service reaches.
         */
        @WithDefault("100ms")
        Duration cleanupPause();
    }

    interface Events {
        /**
         * How long events are kept (GET /events, redelivery). 30 days covers a merchant's monthly
         * reconciliation and any webhook retry schedule.
         */
        @WithDefault("30d")
        Duration retention();

        /** How often events older than the retention are deleted. */
        @WithDefault("1m")
        String cleanupInterval();

        /** Events deleted per transaction, as for expired keys: short locks and WAL. */
        @WithDefault("1000")
        int cleanupBatchSize();

        /** Batches per run at most. */
        @WithDefault("100")
        int cleanupMaxBatches();

        /** Rest between two batches of one run, as for expired keys. */
        @WithDefault("100ms")
        Duration cleanupPause();
    }

    interface Webhooks {
        /**
         * Also accept {@code http} URLs and loopback addresses, for receivers on the developer's own
         * machine. On in dev and test only: in production an endpoint must be https and public.
         */
        @WithDefault("false")
        boolean allowInsecureLocal();

        /** Runs the delivery worker in this instance; off, events are still scheduled for another. */
        @WithDefault("true")
        boolean deliver();

        /**
         * How long an endpoint has to answer a delivery with a 2xx, from connecting to the status
         * line; past it the attempt failed and is retried. 5s is generous for a receiver that
         * stores the event and answers, which is what a receiver should do.
         */
        @WithDefault("5s")
        Duration timeout();

        /**
         * The first retry's delay; each next one doubles it (with jitter: a random half to all of
         * it), up to {@link #maxBackoff}. 1s makes a receiver's brief hiccup cost a second.
         */
        @WithDefault("1s")
        Duration initialBackoff();

        /** The longest pause between two attempts, so that a receiver back from an outage is reached within it. */
        @WithDefault("6h")
        Duration maxBackoff();

        /** A delivery still failing this long after it was scheduled is given up (failed for that endpoint). */
        @WithDefault("3d")
        Duration retryFor();

        /** An endpoint whose deliveries have all failed for this long is disabled. */
        @WithDefault("5d")
        Duration disableAfter();

        /** After a rotation the old secret keeps signing alongside the new one this long. */
        @WithDefault("24h")
        Duration secretOverlap();

        /**
         * How often the worker looks for due deliveries. Events written by this instance wake it
         * at once; this bounds the latency of the others' and of retries.
         */
        @WithDefault("1s")
        String pollInterval();

        /**
         * Attempts under way to one endpoint at most, across all instances: a slow or dead endpoint
         * holds no more than this, and the others' deliveries go on.
         */
        @WithDefault("8")
        int maxInFlightPerEndpoint();

        /** Attempts under way in this instance at most (sockets and memory). */
        @WithDefault("256")
        int maxInFlight();

        /** Endpoints per merchant at most: each event is sent to each, so this bounds an event's fan-out. */
        @WithDefault("16")
        int maxEndpointsPerMerchant();
    }

    interface Overload {
        /**
         * How many API requests are worked on at once, writes and reads each: {@code gradient} (the
         * default), a limit that comes down when the latest requests are slower than their long-run
         * average and goes back up when they are not; {@code vegas}, writes limited by how much
         * slower they are than the fastest lately, which keeps the queue inside the service short
         * (with a floor of 16: p99 71 ms at twice the maximum, against 165 for gradient, but 1 % of
         * the requests shed at 70 % of the maximum on a machine shared with its load generator); or
         * {@code fixed}, max-concurrent-requests at all times. The adaptive limits stay between min-
         * and max-concurrent-requests. See http.LoadShedding; measured side by side in
         * docs/performance.md.
         */
        @WithDefault("gradient")
        Limit limit();

        /**
         * The fixed limit, and the adaptive limits' ceiling (and where they start). 64 keeps room for
         * a processor taking 100 ms (64 / 0.1 s = 640 creates/s, more than measured through one),
         * where requests wait on the network, not on the database.
         */
        @WithDefault("64")
        int maxConcurrentRequests();

        /**
         * The adaptive limits' floor: however slow the requests get, this many are worked on. Lower
         * floors serve an overload faster and shed more at normal load on a machine shared with other
         * work (its jitter reads as a queue): vegas at 16 shed 1 % at 70 % of the maximum for 30
         * minutes; at 32 gradient shed none at half the maximum.
         */
        @WithDefault("32")
        int minConcurrentRequests();

        /**
         * How long a request past the limit may wait for a place before it is refused. A burst, a
         * collector's pause or a limit that has just come down then costs a few milliseconds, not a
         * 503; and under a sustained overload the newest waiter is served first (a LIFO), so what
         * is served stays fast while the oldest wait out their 50 ms and are refused: half of the
         * 100 ms that a served request may take at twice the maximum. 0 refuses at once.
         */
        @WithDefault("50ms")
        Duration maxQueueWait();

        /**
         * How many requests may wait for a place at once, writes and reads each. Each holds a
         * connection and its request line and headers (the body is not read yet). At twice this
         * machine's maximum about 100 arrive in 50 ms: 256 bounds the memory a flood can take, the
         * wait is bounded by max-queue-wait.
         */
        @WithDefault("256")
        int maxQueuedRequests();

        enum Limit {
            GRADIENT,
            VEGAS,
            FIXED
        }
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
         * How long a statement waits for a row lock (PostgreSQL lock_timeout; SQLSTATE 55P03, then
         * 409): a claim waits here only for a concurrent first phase with the same key, which
         * commits in milliseconds, since no transaction is open across a processor call. 2s rides
         * out a slow disk or a pause.
         */
        @WithDefault("2s")
        Duration lockTimeout();

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

    interface Processor {
        /**
         * Which adapter moves the money: {@code http} (the processor at {@link #url()}), {@code demo}
         * (in process, the test cards), or {@code auto}: http when a URL is set, else demo, so the
         * quick start and dev mode need nothing else running.
         */
        @WithDefault("auto")
        String adapter();

        /** The processor's base URL (PAYMENTS_PROCESSOR_URL), for example https://processor.example. */
        Optional<URI> url();

        /** The bearer API key the processor gave us (PAYMENTS_PROCESSOR_API_KEY). */
        Optional<String> apiKey();

        /**
         * How long one processor call may take, connecting and reading: past it the outcome is
         * unknown and the call is repeated with the same key. Processors answer in well under a
         * second; 2s keeps a request's whole answer within about 5s with one retry.
         */
        @WithDefault("2s")
        Duration timeout();

        /**
         * Connections to the processor at most, kept alive: one per call in flight. The REST
         * client's default of 50 would cap creates at 50 / latency (500/s at 100 ms); 200 matches
         * the worker threads that make the calls.
         */
        @WithDefault("200")
        int connections();

        /**
         * Calls repeated after an unknown outcome or a 409/429, always with the same processor
         * idempotency key. One: a second failure in a row means an outage, which the recovery job
         * outlasts better than the waiting client.
         */
        @WithDefault("1")
        int maxRetries();

        /** The longest the processor's Retry-After is waited out inside a request; a longer one is cut to it. */
        @WithDefault("1s")
        Duration maxRetryDelay();

        /** How often the recovery job looks for payments left processing. */
        @WithDefault("5s")
        String recoveryInterval();

        /**
         * A payment processing for longer than this, with no attempt running, is finished by the
         * recovery job. 10s is past any request's own attempt (about 5s), so the job does not race
         * a request that is only slow.
         */
        @WithDefault("10s")
        Duration recoveryAfter();

        /** Payments the recovery job takes on per run: a bound on one run's work after an outage. */
        @WithDefault("100")
        int recoveryBatchSize();

        /**
         * A payment still processing after this long is stuck: the processor has been unreachable
         * (or refuses it) for far longer than any retry covers, and the readiness check says so.
         */
        @WithDefault("10m")
        Duration stuckAfter();
    }
}
