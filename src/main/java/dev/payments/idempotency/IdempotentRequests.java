package dev.payments.idempotency;

import static dev.payments.database.DatabaseException.unchecked;

import dev.payments.deadline.Deadline;
import dev.payments.deadline.RequestBudget;
import dev.payments.database.DatabaseException;
import dev.payments.database.DatabaseFailures;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * What every idempotent POST does with its key, whatever the operation: the fingerprint of the
 * request, phase 1 run so that a lock timeout is an answer, and for a key already taken the replay,
 * the 422, the wait for an attempt under way, its take-over once its lease has passed, and the 409.
 * The operations call it from their own main method (CreatePayment, ...): the algorithm of each is
 * read there, and what is about keys here.
 */
@ApplicationScoped
public class IdempotentRequests {

    private static final Logger LOG = Logger.getLogger(IdempotentRequests.class);

    /**
     * A claim can find the key free again only if it vanished under us (expired and deleted by the
     * cleanup job, or forgotten by another request reusing it): three claims cover that; more
     * means a bug.
     */
    private static final int MAX_CLAIMS = 3;

    /** First pause of a request waiting for another's outcome; doubled up to {@link #MAX_POLL}. */
    private static final Duration FIRST_POLL = Duration.ofMillis(10);
    /** A waiting request looks at least this often: the outcome is replayed at most this late. */
    private static final Duration MAX_POLL = Duration.ofMillis(200);

    private final IdempotencyStore keys;
    private final RequestFingerprint fingerprints;
    private final IdempotencyConfig config;
    private final RequestBudget budget;
    private final IdempotencyMetrics metrics;

    IdempotentRequests(IdempotencyStore keys, RequestFingerprint fingerprints, IdempotencyConfig config,
            RequestBudget budget, IdempotencyMetrics metrics) {
        this.keys = keys;
        this.fingerprints = fingerprints;
        this.config = config;
        this.budget = budget;
        this.metrics = metrics;
    }

    /** The request as its key knows it: {@code method path} with its normalized body, fingerprinted. */
    public KeyedRequest request(String merchantId, IdempotencyKey key, String method, String path,
            Object normalizedBody) {
        return new KeyedRequest(merchantId, key, fingerprints.of(method, path, normalizedBody), null);
    }

    /**
     * The same, for an operation older than the current fingerprint scheme: {@code legacyV1} gives
     * the fields of the request as scheme 1 wrote them (null if that scheme could not have seen it).
     */
    public KeyedRequest request(String merchantId, IdempotencyKey key, String method, String path,
            Object normalizedBody, Supplier<Map<String, Object>> legacyV1) {
        return new KeyedRequest(merchantId, key, fingerprints.of(method, path, normalizedBody), () -> {
            Map<String, Object> fields = legacyV1.get();
            return fields == null ? null : fingerprints.legacyV1(method, path, fields);
        });
    }

    /** The statements of phase 1; a lock not granted in time is reported as {@link Claim.Busy}. */
    @FunctionalInterface
    public interface PhaseOne<A> {
        Claim<A> run() throws SQLException;
    }

    /** Phase 1 as one statement, committing by itself (a create's key and payment). */
    public <A> Claim<A> inOneStatement(PhaseOne<A> phase) {
        try {
            return unchecked(phase::run);
        } catch (RuntimeException e) {
            return busyOrThrow(e);
        }
    }

    /** Phase 1 as a transaction of its own (lock the payment, check, record what is under way). */
    public <A> Claim<A> inTransaction(PhaseOne<A> phase) {
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                try {
                    return phase.run();
                } catch (SQLException e) {
                    throw new DatabaseException(e);
                }
            });
        } catch (RuntimeException e) {
            return busyOrThrow(e);
        }
    }

    private static <A> Claim<A> busyOrThrow(RuntimeException e) {
        if (DatabaseFailures.isLockTimeout(e)) {
            return new Claim.Busy<>();
        }
        throw e;
    }

    /**
     * Claims the key in the caller's transaction, about {@code paymentId} (null for none) and
     * {@code resourceId}: false if it was taken.
     */
    public boolean claim(KeyedRequest request, UUID paymentId, UUID resourceId) throws SQLException {
        return keys.claim(request, paymentId, resourceId);
    }

    /** Stores the answer that phase 1 gave (a refusal, or the operation done) in the claiming transaction. */
    public StoredAnswer answer(KeyedRequest request, StoredAnswer answer) throws SQLException {
        keys.answer(request, answer);
        return answer;
    }

    /** What the request that began the operation is told, once its phases 2 and 3 are over. */
    public Outcome outcomeOfFirstAttempt(KeyedRequest request, UUID resourceId, Finish finish) {
        if (finish instanceof Finish.Finished finished) {
            return new Outcome.Answered(finished.answer(), false);
        }
        if (finish instanceof StillUnknown unknown) {
            return unknown;
        }
        // another attempt finished it first; the outcome is the same processor call, and its answer stands
        return answerOf(request, resourceId).orElseThrow(() -> new IllegalStateException(
                "operation on " + resourceId + " finished without an answer"));
    }

    /**
     * What the request is told when phase 1 did not start the operation (the caller carries a
     * {@link Claim.Started} on to phases 2 and 3): the answer phase 1 gave; for a key taken already,
     * the answer replayed, a 422 for another request, or, while the operation is under way, its
     * answer once there is one (waiting, holding no transaction and no connection between looks)
     * or its outcome after taking it over if its attempt gave up or its lease passed, and a 409
     * after the lock timeout. Empty when the key is free again (it expired): phase 1 runs again,
     * the {@code claims}-th time.
     */
    public <A> Optional<Outcome> outcomeOfClaim(KeyedRequest request, Claim<A> claim, Resumable<A> operation,
            int claims) {
        if (claim instanceof Claim.Started<A>) {
            throw new IllegalArgumentException("a started operation goes on to phases 2 and 3");
        }
        if (claim instanceof Claim.Answered<A> answered) {
            return Optional.of(new Outcome.Answered(answered.answer(), false));
        }
        if (claim instanceof Claim.Busy<A>) {
            return Optional.of(keyInUse(request, "its first phase held it too long"));
        }
        Optional<StoredKey> stored = claim instanceof Claim.Taken<A> taken
                ? Optional.of(taken.stored())
                : unchecked(() -> keys.find(request.merchantId(), request.key(), config.retention()));
        if (stored.isEmpty() || stored.get().expired()) {
            if (claims >= MAX_CLAIMS) {
                throw new IllegalStateException("idempotency key " + request.key() + " changed hands " + claims
                        + " times");
            }
            if (stored.isPresent()) {
                unchecked(() -> keys.forgetExpired(request.merchantId(), request.key(), config.retention()));
            }
            return Optional.empty();
        }
        Supplier<String> legacyV1 = request.legacyV1() == null ? () -> null : request.legacyV1();
        if (!fingerprints.sameRequest(stored.get(), request.fingerprint(), legacyV1)) {
            metrics.conflict();
            return Optional.of(new Outcome.KeyReused());
        }
        if (stored.get().answer().isPresent()) {
            return Optional.of(replayed(request, stored.get().answer().get()));
        }
        return Optional.of(awaitOutcome(request, stored.get(), operation));
    }

    /**
     * The same, for an operation done wholly in phase 1 (its answer stored with its claim): its key
     * is never seen unanswered but while the claim is committing.
     */
    public Optional<Outcome> outcomeOfClaim(KeyedRequest request, Claim<Void> claim, int claims) {
        return outcomeOfClaim(request, claim, NOTHING_UNDER_WAY, claims);
    }

    private static final Resumable<Void> NOTHING_UNDER_WAY = new NothingUnderWay();

    /** No attempt to take over: the operation is answered in the transaction that claims its key. */
    private static final class NothingUnderWay implements Resumable<Void> {
        @Override
        public Optional<Void> takeOver(KeyedRequest request, StoredKey stored) {
            return Optional.empty();
        }

        @Override
        public Finish finishTakenOver(Void attempt) {
            throw new IllegalStateException("an operation done in phase 1 has no attempt to finish");
        }
    }

    /**
     * The operation is under way: its answer once stored, or, once no attempt holds its lease, the
     * outcome of taking it over; 409 after the wait ({@link RequestBudget#concurrentWait}), which
     * ends in time to answer within the request's deadline.
     */
    private <A> Outcome awaitOutcome(KeyedRequest request, StoredKey stored, Resumable<A> operation) {
        long deadline = System.nanoTime() + budget.concurrentWait().toNanos();
        Optional<Deadline> requestDeadline = Deadline.current();
        if (requestDeadline.isPresent()) {
            deadline = Math.min(deadline,
                    System.nanoTime() + requestDeadline.get().remaining().minus(budget.toAnswer()).toNanos());
        }
        Duration pause = FIRST_POLL;
        while (true) {
            Optional<Outcome> answer = answerOf(request, stored.resourceId());
            if (answer.isPresent()) {
                return answer.get();
            }
            Optional<A> taken = unchecked(() -> operation.takeOver(request, stored));
            if (taken.isPresent()) {
                LOG.infof("merchant=%s key=%s: taking over the attempt on %s", request.merchantId(), request.key(),
                        stored.resourceId());
                Finish finish = operation.finishTakenOver(taken.get());
                if (finish instanceof Finish.Finished finished) {
                    return replayed(request, finished.answer());
                }
                if (finish instanceof StillUnknown unknown) {
                    return unknown;
                }
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return keyInUse(request, stored.resourceId() + " still under way at the end of the wait");
            }
            sleep(Duration.ofNanos(Math.min(left, pause.toNanos())));
            Duration doubled = pause.multipliedBy(2);
            pause = doubled.compareTo(MAX_POLL) > 0 ? MAX_POLL : doubled;
        }
    }

    /** The answer stored on the key for this resource, as a replay; empty while it has none. */
    private Optional<Outcome> answerOf(KeyedRequest request, UUID resourceId) {
        return unchecked(() -> keys.find(request.merchantId(), request.key(), config.retention()))
                .filter(stored -> resourceId.equals(stored.resourceId()))
                .flatMap(StoredKey::answer)
                .map(answer -> replayed(request, answer));
    }

    private Outcome replayed(KeyedRequest request, StoredAnswer answer) {
        metrics.replayed();
        LOG.debugf("replayed merchant=%s key=%s", request.merchantId(), request.key());
        return new Outcome.Answered(answer, true);
    }

    private Outcome keyInUse(KeyedRequest request, String why) {
        metrics.lockTimeout();
        LOG.infof("idempotency key busy merchant=%s key=%s: %s", request.merchantId(), request.key(), why);
        return new Outcome.KeyInUse();
    }

    /**
     * Whether the key holds a request already (not expired): for an operation whose own checks
     * before the claim could change their mind (a URL's DNS), so that a retry replays instead of
     * being judged anew.
     */
    public boolean known(String merchantId, IdempotencyKey key) {
        return unchecked(() -> keys.find(merchantId, key, config.retention())).filter(stored -> !stored.expired())
                .isPresent();
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis(), (int) (pause.toNanos() % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an operation's outcome", e);
        }
    }
}
