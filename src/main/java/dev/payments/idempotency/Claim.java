package dev.payments.idempotency;

/**
 * What phase 1 found when it tried to claim the key: the key is this request's now (and the
 * operation begun), or it was someone's already.
 *
 * @param <A> what phase 1 began: the attempt phases 2 and 3 carry on
 */
public sealed interface Claim<A> {

    /** The key is this request's, and phase 1 began the operation with it: {@code attempt} carries it on. */
    record Started<A>(A attempt) implements Claim<A> {
    }

    /**
     * The key is this request's, and phase 1 answered it (the operation may not run, or it was all
     * done in phase 1): the answer is the key's, stored with it, and replayed.
     */
    record Answered<A>(StoredAnswer answer) implements Claim<A> {
    }

    /** The key was taken already: {@code stored} is what it holds (an answer, or an operation under way). */
    record Taken<A>(StoredKey stored) implements Claim<A> {
    }

    /**
     * The key was taken, but this statement could not read by whom: a concurrent request committed
     * it while this one waited, after this statement's snapshot was taken, or another request's row
     * of the same statement claimed it. A new statement reads it.
     */
    record TakenUnseen<A>() implements Claim<A> {
    }

    /** A concurrent request held the key (or the payment) for longer than the lock timeout. */
    record Busy<A>() implements Claim<A> {
    }
}
