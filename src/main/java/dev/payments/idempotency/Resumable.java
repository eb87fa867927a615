package dev.payments.idempotency;

import java.sql.SQLException;
import java.util.Optional;

/**
 * An operation whose attempt, left under way by a request that gave up or died between the
 * phases, a later request with the same key can take over and finish. Implemented by the
 * operation's own class, next to its phases.
 *
 * @param <A> the attempt: what phase 1 began, leased to whoever carries it on
 */
public interface Resumable<A> {

    /**
     * The attempt under way for {@code request}'s key ({@code stored}), leased to the caller now;
     * empty while another attempt holds it.
     */
    Optional<A> takeOver(KeyedRequest request, StoredKey stored) throws SQLException;

    /**
     * Phases 2 and 3 of an attempt taken over: an earlier attempt may have reached the processor,
     * so the processor is asked what it did before it is asked again.
     */
    Finish finishTakenOver(A attempt);
}
