package dev.payments.testsupport;

import java.io.IOException;

/**
 * The packaged service as the fault tests run it: one process ({@link ServiceProcess}), or several
 * behind an HTTP load balancer ({@link BalancedService}); either way one address for the clients.
 */
public interface Service {

    /** An environment variable more for every process, before {@link #start}. */
    Service with(String name, String value);

    /** Starts it, and returns once it is ready (every instance, and the balancer in front). */
    Service start() throws IOException, InterruptedException;

    /** SIGKILL to every process of the service: no shutdown hook, no draining. */
    void kill() throws InterruptedException;

    void stop() throws InterruptedException;

    /** Where clients send their requests. */
    String baseUrl();

    /**
     * One process, or {@code instances} behind a balancer, all with the same configuration:
     * {@code -Dpayments.test.instances=3} runs the tests that start their service this way through a balancer.
     */
    static Service of(String name, int instances, java.util.function.Function<String, ServiceProcess> process) {
        return instances <= 1 ? process.apply(name) : new BalancedService(name, instances, process);
    }

    /** How many instances the tests run behind a balancer ({@code -Dpayments.test.instances}), 1 without one. */
    static int instances() {
        return Integer.getInteger("payments.test.instances", 1);
    }
}
