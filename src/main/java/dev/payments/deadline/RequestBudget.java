package dev.payments.deadline;

import dev.payments.config.StartRefused;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * One budget per request ({@code payments.request-deadline}, 5 s): every answer, a 409 or a 503
 * included, reaches the client within it. The time limits below it are derived from it unless set,
 * and checked against it and each other at start: a combination that cannot hold stops the
 * service from starting, naming the settings.
 * <ul>
 * <li>the database's lock and statement limits (server side, per session and per role, so they
 * hold behind PgBouncer too), and the read timeout of each connection a request uses, cut to what
 * is left of its deadline ({@code SessionLimits});
 * <li>the wait for a concurrent attempt with the same key, which ends in time to answer 409;
 * <li>a processor call, which starts only if it can time out and still leave {@link #toAnswer()}.
 * </ul>
 */
@Singleton
public class RequestBudget {

    /** How much sooner a limit ends than the one it nests in, so that the inner one is what is seen. */
    private static final Duration SERVER_FIRST = Duration.ofMillis(500);

    /** Beyond waiting for a pooled connection, what a last short write and the answer take. */
    private static final Duration LAST_WRITE = Duration.ofMillis(250);

    /**
     * What answering takes once the work has ended or given up: the pool discarding a broken
     * connection, the rollback, the problem written to the client. A request's work ends this much
     * before its deadline, so that the answer, a 503 included, comes within it (in a failover, a
     * statement cut off at the deadline itself was answered up to 41 ms after it, more on a busy machine).
     */
    static final Duration ANSWERING = Duration.ofMillis(300);

    private final Duration deadline;
    /** The deadline less what answering takes: when a request's work must end. */
    private final Duration work;
    private final Duration databaseLock;
    private final Duration statement;
    private final Duration socketTimeout;
    private final Duration connectionWait;
    private final Duration processorCall;
    private final Duration concurrentWait;

    /**
     * The pool's wait for a connection and the driver's socket timeout are Quarkus's and pgjdbc's
     * settings (application.properties): read here to be checked with the rest.
     */
    @Inject
    RequestBudget(TimeLimits limits,
            @ConfigProperty(name = "quarkus.datasource.jdbc.acquisition-timeout", defaultValue = "5s") Duration connectionWait,
            @ConfigProperty(name = "quarkus.datasource.jdbc.additional-jdbc-properties.socketTimeout", defaultValue = "0")
            int socketTimeoutSeconds) {
        this.deadline = limits.requestDeadline();
        this.work = deadline.minus(ANSWERING);
        this.socketTimeout = Duration.ofSeconds(socketTimeoutSeconds);
        // half the deadline, and short enough that a live server cancels its statement before the
        // client's socket gives up on it; the lock wait inside it two fifths, and shorter again
        Duration statementByDefault = deadline.dividedBy(2);
        if (!socketTimeout.isZero() && socketTimeout.minus(SERVER_FIRST).compareTo(statementByDefault) < 0) {
            statementByDefault = socketTimeout.minus(SERVER_FIRST);
        }
        this.statement = limits.database().statementTimeout().orElse(statementByDefault);
        Duration lockByDefault = deadline.multipliedBy(2).dividedBy(5);
        if (statement.minus(SERVER_FIRST).compareTo(lockByDefault) < 0) {
            lockByDefault = statement.minus(SERVER_FIRST);
        }
        this.databaseLock = limits.database().lockTimeout().orElse(lockByDefault);
        this.connectionWait = connectionWait;
        this.processorCall = limits.processor().timeout().orElse(deadline.multipliedBy(2).dividedBy(5));
        this.concurrentWait = limits.idempotency().lockTimeout().orElse(deadline);
    }

    /** The settings that cannot hold together, each as a sentence naming them; empty if they can. */
    List<String> contradictions() {
        List<String> broken = new ArrayList<>();
        if (deadline.compareTo(ANSWERING.multipliedBy(5)) < 0) {
            broken.add("payments.request-deadline (" + deadline + ") must be at least " + ANSWERING.multipliedBy(5)
                    + ": the last " + ANSWERING + " of it are kept for writing the answer");
        }
        if (databaseLock.compareTo(statement) >= 0) {
            broken.add("payments.database.lock-timeout (" + databaseLock + ") must be shorter than "
                    + "payments.database.statement-timeout (" + statement + "): a claim that waits out a lock is "
                    + "answered 409, not cancelled");
        }
        if (socketTimeout.compareTo(statement) <= 0) {
            broken.add("quarkus.datasource.jdbc.additional-jdbc-properties.socketTimeout (" + socketTimeout
                    + ") must be longer than payments.database.statement-timeout (" + statement + "): a slow server "
                    + "cancels its own statement first, and a frozen one is given up");
        }
        if (connectionWait.plus(socketTimeout).compareTo(work) > 0) {
            broken.add("quarkus.datasource.jdbc.acquisition-timeout (" + connectionWait + ") plus the socketTimeout ("
                    + socketTimeout + ") must fit in payments.request-deadline (" + deadline + ") less the " + ANSWERING
                    + " kept for answering: a read against a frozen database is answered in time");
        }
        if (processorCall.plus(toAnswer().multipliedBy(2)).compareTo(work) > 0) {
            broken.add("payments.processor.timeout (" + processorCall + ") with a pooled connection and a write before "
                    + "and after it (2 x " + toAnswer() + ") must fit in payments.request-deadline (" + deadline
                    + ") less the " + ANSWERING + " kept for answering");
        }
        if (concurrentWait.compareTo(deadline) > 0) {
            broken.add("payments.idempotency.lock-timeout (" + concurrentWait + ") must not exceed "
                    + "payments.request-deadline (" + deadline + ")");
        }
        return broken;
    }

    void refuseContradictions(@Observes StartupEvent start) {
        List<String> broken = contradictions();
        if (!broken.isEmpty()) {
            throw new StartRefused("the time limits cannot hold together: " + String.join("; ", broken));
        }
    }

    /** The deadline of the work of a request arriving now: the request's, less what answering takes. */
    public Deadline start() {
        return Deadline.after(work);
    }

    /** What is still needed after the last outside call: a pooled connection, a short write, the answer. */
    public Duration toAnswer() {
        return connectionWait.plus(LAST_WRITE);
    }

    public Duration databaseLock() {
        return databaseLock;
    }

    public Duration statement() {
        return statement;
    }

    /** A connection's read timeout outside any request (the jobs'), and the most a request's may be. */
    public Duration socketTimeout() {
        return socketTimeout;
    }

    public Duration processorCall() {
        return processorCall;
    }

    /** The longest a request waits for a concurrent attempt with its key (and never past its deadline). */
    public Duration concurrentWait() {
        return concurrentWait;
    }
}
