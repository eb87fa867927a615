package dev.payments.idempotency;

/** What phases 2 and 3 of one attempt came to. */
public sealed interface Finish permits Finish.Finished, Finish.FinishedByAnotherAttempt, StillUnknown {

    /** Phase 3 recorded this attempt's outcome, and {@code answer} on the key, in one statement. */
    record Finished(StoredAnswer answer) implements Finish {
    }

    /**
     * Another attempt recorded the outcome first (the same processor call, under the same processor
     * key): its answer, on the key, stands.
     */
    record FinishedByAnotherAttempt() implements Finish {
    }
}
