package dev.payments.processor;

import dev.payments.deadline.RequestBudget;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * How long one attempt at phase 2 of any operation can take: every processor call at its timeout,
 * and the waits between them at their cap, plus a second for the commits around it. Past it nobody
 * can still be waiting for the processor's answer, so another attempt may take the operation over:
 * the lease each attempt takes is this long.
 */
@Singleton
public class AttemptLease {

    private final Duration duration;

    AttemptLease(ProcessorConfig config, RequestBudget budget) {
        this.duration = of(config, budget.processorCall());
    }

    static Duration of(ProcessorConfig processor, Duration callTimeout) {
        int calls = processor.maxRetries() + 1;
        return callTimeout.multipliedBy(calls)
                .plus(processor.maxRetryDelay().multipliedBy(processor.maxRetries()))
                .plusSeconds(1);
    }

    public Duration duration() {
        return duration;
    }
}
