package dev.payments.processor;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while the processor rejects our calls (a wrong API key or URL): every payment would stay
 * processing, so this instance should not take new ones. While DOWN, each check asks again with a
 * look-up that changes nothing, so the instance comes back by itself once the key is put right.
 */
@Readiness
@ApplicationScoped
public class ProcessorAcceptsUsCheck implements HealthCheck {

    /** A reference no payment has: the look-up finds nothing, and only tells whether we are let in. */
    private static final String PROBE_REFERENCE = "readiness-check";

    private final PaymentProcessor processor;

    ProcessorAcceptsUsCheck(PaymentProcessor processor) {
        this.processor = processor;
    }

    @Override
    public HealthCheckResponse call() {
        Optional<String> rejected = processor.callsRejected();
        if (rejected.isPresent()) {
            processor.findCharge(PROBE_REFERENCE);
            rejected = processor.callsRejected();
        }
        return HealthCheckResponse.named("processor-accepts-our-calls")
                .status(rejected.isEmpty())
                .withData("rejected", rejected.orElse("no"))
                .build();
    }
}
