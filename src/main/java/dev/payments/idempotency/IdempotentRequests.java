package dev.payments.idempotency;

import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.config.PaymentsConfig;
import dev.payments.database.DatabaseException;
import dev.payments.database.DatabaseFailures;
import dev.payments.problem.Problems;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The idempotency mechanism, written once for every POST ({@link IdempotentOperation}): a
 * request's key is claimed together with the operation's first phase, so whatever the timing, one
 * key has one operation and one answer. A repeat with the same request replays the answer (or
 * waits for it while the first attempt is at the processor, and takes the attempt over if that
 * one gave up); a repeat with another request is a 422.
 */
@ApplicationScoped
public class IdempotentRequests {

    private static final Logger LOG = Logger.getLogger(IdempotentRequests.class);

    /**
     * A claim can lose twice in a row only if the key vanishes under us: expired and deleted by
     * the cleanup job, or by another request reusing it. Three tries cover that; more means a bug.
     */
    private static final int MAX_CLAIM_ATTEMPTS = 3;

    /** First pause of a request waiting for another's outcome; doubled up to {@link #MAX_POLL}. */
    private static final Duration FIRST_POLL = Duration.ofMillis(10);
    /** A waiting request looks at least this often: the outcome is replayed at most this late. */
    private static final Duration MAX_POLL = Duration.ofMillis(200);

    private final IdempotencyStore keys;
    private final RequestFingerprint fingerprints;
    private final PaymentsConfig.Idempotency config;
    private final IdempotencyMetrics metrics;

    IdempotentRequests(IdempotencyStore keys, RequestFingerprint fingerprints, PaymentsConfig config,
            IdempotencyMetrics metrics) {
        this.keys = keys;
        this.fingerprints = fingerprints;
        this.config = config.idempotency();
        this.metrics = metrics;
    }

    /**
     * An idempotent request: whose, its key, and what identifies it (method, path and the
     * normalized body: the fingerprint). {@code legacyV1} computes the fingerprint the first scheme
     * gave this request, for operations older than the current scheme; null for the others.
     */
    public record Request(String merchantId, IdempotencyKey key, String method, String path, Object normalizedBody,
            Supplier<String> legacyV1) {
    }

    /** The answer for the request: the key's, and whether it is a replay of an earlier request's. */
    public record Result(int status, String body, String location, boolean replayed) {
        static Result of(StoredKey.Answer answer, boolean replayed) {
            return new Result(answer.status(), answer.body(), answer.location(), replayed);
        }
    }

    /**
     * Runs the operation for this key, or answers what the key already has. Throws 422 if the key
     * was used with another request, 409 if the operation's outcome takes longer than the lock
     * timeout, and whatever the operation throws (503 while the processor's outcome is unknown).
     */
    public <S> Result run(Request request, IdempotentOperation<S> operation) {
        String fingerprint = fingerprints.of(request.method(), request.path(), request.normalizedBody());
        Result result;
        try {
            result = claim(request, fingerprint, operation);
        } catch (RuntimeException e) {
            if (DatabaseFailures.isLockTimeout(e)) {
                metrics.lockTimeout();
                LOG.infof("idempotency key busy merchant=%s key=%s: its first phase held it too long",
                        request.merchantId(), request.key());
                throw Problems.keyInUse();
            }
            throw e;
        }
        if (result.replayed()) {
            metrics.replayed();
            LOG.debugf("replayed merchant=%s key=%s %s %s", request.merchantId(), request.key(), request.method(),
                    request.path());
        }
        return result;
    }

    /**
     * Whether the key holds a request already (not expired): for an operation whose own checks
     * before the claim could change their mind (a URL's DNS), so that a retry replays instead of
     * being judged anew.
     */
    public boolean known(String merchantId, IdempotencyKey key) {
        return autocommit(() -> keys.find(merchantId, key, config.retention())).filter(stored -> !stored.expired())
                .isPresent();
    }

    private <S> Result claim(Request request, String fingerprint, IdempotentOperation<S> operation) {
        // asked once: a create's creation binds the payment, its metadata serialized already
        IdempotencyStore.Creation<S> creation = operation.creationWithClaim();
        for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
            // Waits here while a concurrent first phase holds the same key, then claims it (that
            // one rolled back) or finds it taken (that one committed).
            Claimed<S> claimed = creation != null
                    ? autocommit(() -> claimWithCreation(request, fingerprint, operation, creation))
                    : inTransaction(() -> claimAndBegin(request, fingerprint, operation));
            if (claimed.begun() instanceof IdempotentOperation.Begun.Started<S> started) {
                return firstAttempt(request, operation, started.attempt());
            }
            if (claimed.begun() instanceof IdempotentOperation.Begun.Answered<S> answered) {
                return Result.of(answered.answer(), false);
            }
            Optional<StoredKey> stored = claimed.stored().isPresent()
                    ? claimed.stored()
                    : autocommit(() -> keys.find(request.merchantId(), request.key(), config.retention()));
            if (stored.isEmpty()) {
                continue;
            }
            if (stored.get().expired()) {
                autocommit(() -> keys.forgetExpired(request.merchantId(), request.key(), config.retention()));
                continue;
            }
            Supplier<String> legacyV1 = request.legacyV1() == null ? () -> null : request.legacyV1();
            if (!fingerprints.sameRequest(stored.get(), fingerprint, legacyV1)) {
                metrics.conflict();
                throw Problems.keyReused();
            }
            Optional<StoredKey.Answer> answer = stored.get().answer();
            return answer.isPresent()
                    ? Result.of(answer.get(), true)
                    : awaitOutcome(request, operation, stored.get());
        }
        throw new IllegalStateException("idempotency key " + request.key() + " changed hands " + MAX_CLAIM_ATTEMPTS
                + " times");
    }

    /**
     * What the claim came to: phase 1 begun or refused (the key is this request's), or the key is
     * someone else's ({@code stored}: what it holds; empty when it was committed by a concurrent
     * request after this statement's snapshot, so only a new statement can read it).
     */
    private record Claimed<S>(IdempotentOperation.Begun<S> begun, Optional<StoredKey> stored) {
    }

    private <S> Claimed<S> claimWithCreation(Request request, String fingerprint, IdempotentOperation<S> operation,
            IdempotencyStore.Creation<S> creation) throws SQLException {
        IdempotencyStore.Claim<S> claim = keys.claim(request.merchantId(), request.key(), fingerprint,
                config.retention(), operation.paymentId(), creation);
        if (claim instanceof IdempotencyStore.Claim.Claimed<S> claimed) {
            return new Claimed<>(new IdempotentOperation.Begun.Started<>(claimed.created()), Optional.empty());
        }
        return new Claimed<>(null, storedOf(claim));
    }

    private <S> Claimed<S> claimAndBegin(Request request, String fingerprint, IdempotentOperation<S> operation)
            throws SQLException {
        IdempotencyStore.Claim<Void> claim = keys.claim(request.merchantId(), request.key(), fingerprint,
                config.retention(), operation.paymentId(), IdempotencyStore.Creation.nothing(operation.resourceId()));
        if (!(claim instanceof IdempotencyStore.Claim.Claimed<Void>)) {
            return new Claimed<>(null, storedOf(claim));
        }
        IdempotentOperation.Begun<S> begun = operation.begin();
        if (begun instanceof IdempotentOperation.Begun.Answered<S> answered) {
            // answered in the same transaction as the claim (refused, or done): that is the key's answer
            keys.answer(request.merchantId(), request.key(), answered.answer());
        }
        return new Claimed<>(begun, Optional.empty());
    }

    private static Optional<StoredKey> storedOf(IdempotencyStore.Claim<?> claim) {
        return claim instanceof IdempotencyStore.Claim.Taken<?> taken ? Optional.of(taken.stored()) : Optional.empty();
    }

    /** Phases 2 and 3 for the request that has just begun the operation: its answer is no replay. */
    private <S> Result firstAttempt(Request request, IdempotentOperation<S> operation, S attempt) {
        Optional<StoredKey.Answer> answer = operation.drive(attempt, false);
        if (answer.isPresent()) {
            return Result.of(answer.get(), false);
        }
        // another attempt finished it first; the outcome is the same processor call, and its answer stands
        return answerOf(request, operation.resourceId())
                .orElseThrow(() -> new IllegalStateException("operation on " + operation.resourceId()
                        + " finished without an answer"));
    }

    /** The answer stored on the key for this resource, as a replay; empty while it has none. */
    private Optional<Result> answerOf(Request request, java.util.UUID resourceId) {
        return autocommit(() -> keys.find(request.merchantId(), request.key(), config.retention()))
                .filter(stored -> resourceId.equals(stored.resourceId()))
                .flatMap(StoredKey::answer)
                .map(answer -> Result.of(answer, true));
    }

    /**
     * A request whose key's operation is still under way: waits (holding no transaction and no
     * connection between looks) until the answer is stored, and replays it; takes the attempt over
     * if the one running gives up or its lease passes; 409 after the lock timeout.
     */
    private <S> Result awaitOutcome(Request request, IdempotentOperation<S> operation, StoredKey stored) {
        long deadline = System.nanoTime() + config.lockTimeout().toNanos();
        Duration pause = FIRST_POLL;
        while (true) {
            Optional<Result> answer = answerOf(request, stored.resourceId());
            if (answer.isPresent()) {
                return answer.get();
            }
            Optional<S> taken = autocommit(() -> operation.takeOver(stored));
            if (taken.isPresent()) {
                LOG.infof("merchant=%s key=%s: taking over the attempt on %s", request.merchantId(), request.key(),
                        stored.resourceId());
                Optional<StoredKey.Answer> finished = operation.drive(taken.get(), true);
                if (finished.isPresent()) {
                    return Result.of(finished.get(), true);
                }
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                metrics.lockTimeout();
                LOG.infof("idempotency key busy merchant=%s key=%s: %s still under way after %s", request.merchantId(),
                        request.key(), stored.resourceId(), config.lockTimeout());
                throw Problems.keyInUse();
            }
            sleep(Duration.ofNanos(Math.min(left, pause.toNanos())));
            Duration doubled = pause.multipliedBy(2);
            pause = doubled.compareTo(MAX_POLL) > 0 ? MAX_POLL : doubled;
        }
    }

    /** Work of several statements in one transaction of its own, committed together or not at all. */
    private static <T> T inTransaction(java.util.concurrent.Callable<T> work) {
        return QuarkusTransaction.requiringNew().call(() -> {
            try {
                return work.call();
            } catch (SQLException e) {
                throw new DatabaseException(e);
            }
        });
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
