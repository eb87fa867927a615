package dev.payments.config;

/**
 * A setting the service refuses to start with. Thrown from a start-up check, it stops the start;
 * its sentence is also written to standard error at once, because the console log is asynchronous
 * and a start that fails exits before its queue is written (the operator would see nothing).
 */
public final class StartRefused extends IllegalStateException {

    public StartRefused(String message) {
        super(message);
        System.err.println("payment-service refuses to start: " + message);
        System.err.flush();
    }
}
