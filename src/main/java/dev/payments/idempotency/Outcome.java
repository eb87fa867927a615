package dev.payments.idempotency;

/** What an idempotent request came to. Only the resource turns it into HTTP. */
public sealed interface Outcome permits Outcome.Answered, Outcome.KeyReused, Outcome.KeyInUse, StillUnknown {

    /** The key's answer: this request's own, or ({@code replayed}) an earlier request's. */
    record Answered(StoredAnswer answer, boolean replayed) implements Outcome {
    }

    /** The key was used with a different request: nothing was done. */
    record KeyReused() implements Outcome {
    }

    /** The key's operation was still under way, held by another request, when this one stopped waiting. */
    record KeyInUse() implements Outcome {
    }
}
