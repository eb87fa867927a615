package dev.payments.payment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;

/** Counters of what the idempotency flow decided, registered up front so they read 0, not absent. */
@Singleton
public class PaymentMetrics {

    private final Counter succeeded;
    private final Counter declined;
    private final Counter replays;
    private final Counter conflicts;
    private final Counter lockTimeouts;

    PaymentMetrics(MeterRegistry registry) {
        succeeded = Counter.builder("payments.created").tag("status", "succeeded")
                .description("Payments created").register(registry);
        declined = Counter.builder("payments.created").tag("status", "declined")
                .description("Payments created").register(registry);
        replays = Counter.builder("payments.idempotency.replays")
                .description("Stored answers replayed for a repeated Idempotency-Key").register(registry);
        conflicts = Counter.builder("payments.idempotency.conflicts")
                .description("Idempotency-Keys reused with a different request (422)").register(registry);
        lockTimeouts = Counter.builder("payments.idempotency.lock.timeouts")
                .description("Requests that gave up waiting for a concurrent request with the same key (409)")
                .register(registry);
    }

    void created(PaymentStatus status) {
        (status == PaymentStatus.SUCCEEDED ? succeeded : declined).increment();
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
