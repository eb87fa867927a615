package dev.payments.processor;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The processor, and the jobs that finish what was left at it: {@code payments.processor.*}. Its
 * call timeout is a time limit of the request (deadline/TimeLimits).
 */
@ConfigMapping(prefix = "payments.processor")
public interface ProcessorConfig {
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
     * recovery job. 10s is past any request's own attempt (within its 5s deadline), so the job
     * does not race a request that is only slow.
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
