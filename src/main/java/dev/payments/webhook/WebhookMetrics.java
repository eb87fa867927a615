package dev.payments.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/** The delivery worker's attempts by outcome, their latency, and the backlog. */
@Singleton
public class WebhookMetrics {

    /** A 2xx in time. */
    static final String DELIVERED = "delivered";
    /** Any other answer, or none in time: retried later. */
    static final String RETRIED = "retried";
    /** The last attempt of the retry window failed: given up for that endpoint. */
    static final String FAILED = "failed";
    /** The URL now resolves to an address webhooks may not go to: not sent, retried later. */
    static final String REFUSED = "refused";
    /** The outcome could not be written (the database refused or did not answer): sent again after its lease. */
    static final String UNRECORDED = "unrecorded";

    private final MeterRegistry registry;
    private final Timer latency;
    private final Counter disabled;
    private final DoubleAdder backlogAge = new DoubleAdder();
    private final AtomicLong backlogDue = new AtomicLong();

    WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
        latency = Timer.builder("payments.webhooks.delivery.latency")
                .description("From the event's commit to the receiver's 2xx, for deliveries on their first attempt")
                .publishPercentiles(0.5, 0.99).register(registry);
        disabled = Counter.builder("payments.webhooks.endpoints.disabled")
                .description("Endpoints disabled after their deliveries failed for payments.webhooks.disable-after")
                .register(registry);
        Gauge.builder("payments.webhooks.backlog.age", backlogAge, DoubleAdder::sum).baseUnit("seconds")
                .description("How late the oldest due delivery is").register(registry);
        Gauge.builder("payments.webhooks.backlog.due", backlogDue, AtomicLong::get)
                .description("Deliveries due and not yet attempted (counted to 10,000)").register(registry);
    }

    void attempt(String outcome) {
        attempts(outcome, 1);
    }

    void attempts(String outcome, int count) {
        Counter.builder("payments.webhooks.deliveries").tag("outcome", outcome)
                .description("Delivery attempts by outcome").register(registry).increment(count);
    }

    void firstAttemptLatency(Duration sinceEvent) {
        latency.record(sinceEvent);
    }

    void endpointDisabled() {
        disabled.increment();
    }

    void backlog(double ageSeconds, long due) {
        backlogAge.reset();
        backlogAge.add(ageSeconds);
        backlogDue.set(due);
    }
}
