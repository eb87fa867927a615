package dev.payments.idempotency;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;

/** What the idempotency mechanism decided, for every operation alike. */
@Singleton
public class IdempotencyMetrics {

    private final Counter replays;
    private final Counter conflicts;
    private final Counter lockTimeouts;

    IdempotencyMetrics(MeterRegistry registry) {
        replays = Counter.builder("payments.idempotency.replays")
                .description("Stored answers replayed for a repeated Idempotency-Key").register(registry);
        conflicts = Counter.builder("payments.idempotency.conflicts")
                .description("Idempotency-Keys reused with a different request (422)").register(registry);
        lockTimeouts = Counter.builder("payments.idempotency.lock.timeouts")
                .description("Requests that gave up waiting for a concurrent request with the same key (409)")
                .register(registry);
    }

    void replayed() {
        replays.increment();
    }

    void conflict() {
        conflicts.increment();
    }

    void lockTimeout() {
        lockTimeouts.increment();
    }
}
