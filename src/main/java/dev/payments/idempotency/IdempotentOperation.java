package dev.payments.idempotency;

import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * One idempotent POST, as {@link IdempotentRequests} runs it: the operation says what its phases
 * do, the runner does everything about the key (the claim, the replay, the 422, the wait for a
 * concurrent attempt, the take-over, the 409). Adding an operation adds an implementation of this,
 * and no idempotency code.
 *
 * <p>The three phases: (1) {@link #begin} in the transaction that claims the key (or
 * {@link #creationWithClaim} in the claim's own statement), which either starts the operation
 * (stores what it is about to do, with a lease on the attempt) or refuses it with an answer that is
 * stored on the key; (2) the call to the processor and (3) the outcome with the key's answer, both
 * in {@link #drive}, outside any transaction.
 *
 * @param <S> what phase 1 started and phase 2 and 3 need: the leased attempt
 */
public interface IdempotentOperation<S> {

    /**
     * The payment the operation concerns (the key row's foreign key, to the key's own merchant);
     * null for an operation that concerns none.
     */
    UUID paymentId();

    /** What the operation makes or changes: the key's resource, whose unfinished attempt a retry waits for. */
    UUID resourceId();

    /**
     * Phase 1, in the transaction that has just claimed the key: lock what must not change under
     * the operation, check it may run, and store that it is under way (leased), or refuse it. A
     * {@link dev.payments.problem.ProblemException} thrown here (no such payment) rolls the claim
     * back: the key is not used up.
     */
    default Begun<S> begin() throws SQLException {
        throw new UnsupportedOperationException("an operation has a begin() or a creationWithClaim()");
    }

    /**
     * Phase 1 as part of the claim's own statement, when it is a single INSERT (a create): one
     * round trip and one commit, no transaction. Null for operations that need {@link #begin}.
     */
    default IdempotencyStore.Creation<S> creationWithClaim() {
        return null;
    }

    /**
     * Phases 2 and 3 for a leased attempt. {@code redrive}: an earlier attempt may have acted, so
     * the processor is asked what it did first. Returns the answer stored on the key, or empty if
     * another attempt finished first (its answer stands). If the outcome is still unknown, gives
     * the lease back and throws the 503 that says so.
     */
    Optional<StoredKey.Answer> drive(S attempt, boolean redrive);

    /** Takes the lease of the key's unfinished attempt if no attempt holds it any more; empty if one does. */
    Optional<S> takeOver(StoredKey stored) throws SQLException;

    /** What phase 1 decided. */
    sealed interface Begun<S> {
        /** The operation is stored as under way, leased to this request. */
        record Started<S>(S attempt) implements Begun<S> {
        }

        /**
         * Phase 1 answered the request: the operation may not run (a state error), or it needs no
         * processor and is done (a webhook endpoint made). The answer is the key's, stored in the
         * same transaction and replayed.
         */
        record Answered<S>(StoredKey.Answer answer) implements Begun<S> {
        }
    }
}
