package dev.payments.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** A bounded wait for what a test expects to come true: polled every 10 ms, never past its timeout. */
public final class Await {

    private Await() {
    }

    /** Whether {@code condition} came true within {@code timeout} (tested once more when it is over). */
    public static boolean until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
