package dev.payments.processor;

/**
 * The processor is known to be down (its circuit breaker is open): a new operation is refused
 * before anything is stored, so that the client simply retries later with the same key.
 */
public class ProcessorUnavailableException extends RuntimeException {

    public ProcessorUnavailableException() {
        super("the payment processor is unavailable", null, false, false);
    }
}
