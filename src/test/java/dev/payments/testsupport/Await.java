package dev.payments.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A bounded wait whose outcome a test or a helper acts on, rather than asserts: Awaitility, polled
 * every 10 ms, with whether the condition came true within the timeout as the answer. Where the
 * wait is itself the assertion, tests call Awaitility's {@code await(...)} directly.
 */
public final class Await {

    private static final Duration POLL = Duration.ofMillis(10);

    private Await() {
    }

    /** Whether {@code condition} came true within {@code timeout}. */
    public static boolean until(Callable<Boolean> condition, Duration timeout) {
        try {
            Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(POLL).until(condition);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }
}
