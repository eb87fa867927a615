package dev.payments.payment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Gauge;
import jakarta.inject.Singleton;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of what the payment flows decided, registered up front so they read 0, not absent. */
@Singleton
public class PaymentMetrics {

    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String REFUSED = "refused";
    public static final String UNKNOWN = "unknown";

    private final Map<PaymentStatus, Counter> created = new EnumMap<>(PaymentStatus.class);
    private final Map<String, Counter> operations = new HashMap<>();
    private final Counter outcomesUnknown;
    private final Counter recovered;
    private final AtomicLong processing = new AtomicLong();
    private final AtomicLong stuck = new AtomicLong();

    PaymentMetrics(MeterRegistry registry) {
        for (PaymentStatus status : List.of(PaymentStatus.SUCCEEDED, PaymentStatus.DECLINED,
                PaymentStatus.REQUIRES_CAPTURE, PaymentStatus.FAILED)) {
            created.put(status, Counter.builder("payments.created").tag("status", status.value())
                    .description("Payments created, by the status their create ended in").register(registry));
        }
        for (String operation : List.of("capture", "cancel", "refund")) {
            for (String outcome : List.of(SUCCEEDED, FAILED, REFUSED, UNKNOWN)) {
                operations.put(operation + " " + outcome, Counter.builder("payments.operations")
                        .tag("operation", operation).tag("outcome", outcome)
                        .description("Captures, cancels and refunds by outcome: succeeded, failed (a refund the "
                                + "processor failed), refused (409, a state error), unknown (the processor's outcome "
                                + "not known yet: 503, finished later)")
                        .register(registry));
            }
        }
        outcomesUnknown = Counter.builder("payments.processor.outcomes.unknown")
                .description("Processor attempts that ended without an outcome (the payment stays processing: 503)")
                .register(registry);
        recovered = Counter.builder("payments.recovered")
                .description("Payments left processing that the recovery job finished").register(registry);
        Gauge.builder("payments.processing", processing, AtomicLong::get)
                .description("Payments processing (outcome not recorded yet), captures and cancels under way, and refunds "
                        + "pending, as of the recovery job's last run")
                .register(registry);
        Gauge.builder("payments.processing.stuck", stuck, AtomicLong::get)
                .description("Payments processing, captures and cancels under way, and refunds pending for longer than "
                        + "payments.processor.stuck-after").register(registry);
    }

    void created(PaymentStatus status) {
        created.get(status).increment();
    }

    /** A capture, cancel or refund came to {@code outcome}. */
    public void operation(String operation, String outcome) {
        operations.get(operation + " " + outcome).increment();
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
