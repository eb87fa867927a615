package dev.payments.payment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Gauge;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of what the create flow decided, registered up front so they read 0, not absent. */
@Singleton
public class PaymentMetrics {

    private final Counter succeeded;
    private final Counter declined;
    private final Counter replays;
    private final Counter conflicts;
    private final Counter lockTimeouts;
    private final Counter outcomesUnknown;
    private final Counter recovered;
    private final AtomicLong processing = new AtomicLong();
    private final AtomicLong stuck = new AtomicLong();

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
        outcomesUnknown = Counter.builder("payments.processor.outcomes.unknown")
                .description("Processor attempts that ended without an outcome (the payment stays processing: 503)")
                .register(registry);
        recovered = Counter.builder("payments.recovered")
                .description("Payments left processing that the recovery job finished").register(registry);
        Gauge.builder("payments.processing", processing, AtomicLong::get)
                .description("Payments processing (outcome not recorded yet), as of the recovery job's last run")
                .register(registry);
        Gauge.builder("payments.processing.stuck", stuck, AtomicLong::get)
                .description("Payments processing for longer than payments.processor.stuck-after").register(registry);
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

    void outcomeUnknown() {
        outcomesUnknown.increment();
    }

    void recovered() {
        recovered.increment();
    }

    void processing(long now, long stuckNow) {
        processing.set(now);
        stuck.set(stuckNow);
    }

    long stuck() {
        return stuck.get();
    }
}
