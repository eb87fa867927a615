package dev.payments.deadline;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The request deadline and the time limits below it, each derived from it unless set
 * ({@link RequestBudget}); the properties keep the names of the features they limit.
 */
@ConfigMapping(prefix = "payments")
public interface TimeLimits {

    /**
     * Every request is answered within this, a 409 or a 503 included; the time limits below are
     * derived from it unless set, and checked against it at start.
     */
    @WithDefault("5s")
    Duration requestDeadline();

    Database database();

    Processor processor();

    Idempotency idempotency();

    interface Database {
        /**
         * How long a statement waits for a row lock (PostgreSQL lock_timeout; SQLSTATE 55P03, then
         * 409): a claim waits here only for a concurrent first phase with the same key, which
         * commits in milliseconds, since no transaction is open across a processor call. The
         * default, two fifths of the request deadline (2s), rides out a slow disk or a pause.
         */
        Optional<Duration> lockTimeout();

        /**
         * No statement runs longer (SQLSTATE 57014, answered 503). The slowest healthy statement is
         * a claim waiting out the lock timeout; the default, half the request deadline (2.5s),
         * leaves room for it and stays under the socket timeout, so a slow server cancels its own
         * statement before the client gives up.
         */
        Optional<Duration> statementTimeout();
    }

    interface Processor {
        /**
         * How long one processor call may take, connecting and reading: past it the outcome is
         * unknown, and the call is repeated with the same key if the request's deadline still has
         * room. Processors answer in well under a second; the default is two fifths of the
         * request deadline (2s).
         */
        Optional<Duration> timeout();
    }

    interface Idempotency {
        /**
         * How long a request waits for the outcome of a concurrent request with the same key (one
         * still calling the processor) before it gives up with 409 and Retry-After; never past the
         * request's deadline, which is the default.
         */
        Optional<Duration> lockTimeout();
    }
}
