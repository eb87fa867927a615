package dev.payments.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** How many API requests are worked on at once, and how the rest wait or are refused: {@code payments.overload.*}. */
@ConfigMapping(prefix = "payments.overload")
public interface OverloadConfig {
    /**
     * How many API requests are worked on at once, writes and reads each: {@code gradient} (the
     * default), a limit that comes down when the latest requests are slower than their long-run
     * average and goes back up when they are not; {@code vegas}, writes limited by how much
     * slower they are than the fastest lately, which keeps the queue inside the service shorter
     * but sheds more at normal load on a busy host; or {@code fixed}, max-concurrent-requests at
     * all times. The adaptive limits stay between min- and max-concurrent-requests. See
     * http.LoadShedding; docs/performance.md measures them side by side.
     */
    @WithDefault("gradient")
    Limit limit();

    /**
     * The fixed limit, and the adaptive limits' ceiling (and where they start). 64 keeps room for
     * a processor taking 100 ms, where requests wait on the network, not on the database.
     */
    @WithDefault("64")
    int maxConcurrentRequests();

    /**
     * The adaptive limits' floor: however slow the requests get, this many are worked on. Lower
     * floors serve an overload faster and shed more at normal load on a machine shared with other
     * work (its jitter reads as a queue).
     */
    @WithDefault("32")
    int minConcurrentRequests();

    /**
     * How long a request past the limit may wait for a place before it is refused. A burst, a
     * collector's pause or a limit that has just come down then costs a few milliseconds, not a
     * 503; and under a sustained overload the newest waiter is served first (a LIFO), so what
     * is served stays fast while the oldest wait out their time and are refused. 0 refuses at once.
     */
    @WithDefault("50ms")
    Duration maxQueueWait();

    /**
     * How many requests may wait for a place at once, writes and reads each. Each holds a
     * connection and its request line and headers (the body is not read yet): this bounds the
     * memory a flood can take, as max-queue-wait bounds the wait.
     */
    @WithDefault("256")
    int maxQueuedRequests();

    /**
     * How many of one merchant's API requests are worked on at once, at most; one more is answered
     * 429 {@code too-many-concurrent-requests} with Retry-After. By default half of
     * max-concurrent-requests: however slow one merchant's requests are, the others keep half the
     * places.
     */
    Optional<Integer> maxConcurrentRequestsPerMerchant();

    /**
     * How long a request's body may take to arrive, from its headers. Past it: 408 and the
     * connection closed. The body is read before the request takes a place, so a slow client holds
     * a connection, not a place; this bounds how long it holds even that.
     */
    @WithDefault("5s")
    Duration bodyReadTimeout();

    enum Limit {
        GRADIENT,
        VEGAS,
        FIXED
    }
}
