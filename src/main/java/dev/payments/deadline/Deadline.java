package dev.payments.deadline;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * When the work of the request being served must end: its answer's deadline less what writing the
 * answer takes (RequestBudget#start). One per request, set around the work of an idempotent POST
 * on its worker thread ({@link #within}); the places that could outlast it read it there: a
 * database connection's read timeout, the wait for a shared statement (CombinedStatement), the
 * wait for a concurrent attempt, and whether a processor call may still start. Background jobs run
 * without one.
 */
public final class Deadline {

    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

    private final long endNanos;

    private Deadline(long endNanos) {
        this.endNanos = endNanos;
    }

    /** A deadline {@code budget} from now. */
    public static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos());
    }

    /** The deadline of the request this thread is serving; empty in a background job. */
    public static Optional<Deadline> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Runs {@code work} on this thread as the request that must be answered by {@code deadline}. */
    public static <T> T within(Deadline deadline, Supplier<T> work) {
        Deadline outer = CURRENT.get();
        CURRENT.set(deadline);
        try {
            return work.get();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /** What is left; zero or negative once passed. */
    public Duration remaining() {
        return Duration.ofNanos(endNanos - System.nanoTime());
    }

    /** Whether {@code work} can still be done, and answered, before the deadline. */
    public boolean allows(Duration work) {
        return remaining().compareTo(work) >= 0;
    }
}
