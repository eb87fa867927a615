package dev.payments.payment;

import dev.payments.processor.ProcessorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import io.smallrye.health.api.Wellness;

/**
 * DOWN while any payment has been processing (or a capture, cancel or refund under way) for longer
 * than {@code payments.processor.stuck-after} (as of the recovery job's last count): money may have
 * moved that no merchant has been told of.
 * A wellness check (/q/health/well), not readiness: every instance shares the database, and taking
 * them all out of service would not finish a single payment.
 */
@Wellness
@ApplicationScoped
public class StuckPaymentsCheck implements HealthCheck {

    private final PaymentMetrics metrics;
    private final Duration stuckAfter;

    StuckPaymentsCheck(PaymentMetrics metrics, ProcessorConfig config) {
        this.metrics = metrics;
        this.stuckAfter = config.stuckAfter();
    }

    @Override
    public HealthCheckResponse call() {
        long stuck = metrics.stuck();
        return HealthCheckResponse.named("payments-processing")
                .status(stuck == 0)
                .withData("stuck", stuck)
                .withData("stuck_after", stuckAfter.toString())
                .build();
    }
}
