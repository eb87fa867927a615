package dev.payments.webhook;

import dev.payments.event.EventStore;
import dev.payments.idempotency.AnswerWriter;
import dev.payments.idempotency.Claim;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.KeyedRequest;
import dev.payments.idempotency.Outcome;
import dev.payments.problem.Problems;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * {@code POST /events/{id}/redeliver}: sends the event again to every enabled endpoint subscribed to
 * it, exactly once per Idempotency-Key; 202 with the deliveries. All phase 1: the key, the
 * deliveries made due and the answer in one transaction; the delivery worker sends them.
 */
@ApplicationScoped
public class RedeliverEvent {

    private static final Logger LOG = Logger.getLogger(RedeliverEvent.class);

    private final IdempotentRequests keys;
    private final EventStore events;
    private final DeliveryStore deliveries;
    private final AnswerWriter answers;

    RedeliverEvent(IdempotentRequests keys, EventStore events, DeliveryStore deliveries, AnswerWriter answers) {
        this.keys = keys;
        this.events = events;
        this.deliveries = deliveries;
        this.answers = answers;
    }

    public Outcome run(String merchantId, IdempotencyKey key, UUID eventId) {
        KeyedRequest keyed = keys.request(merchantId, key, "POST", "/events/" + eventId + "/redeliver", Map.of());
        for (int claims = 1; ; claims++) {
            // The only phase: the key, the deliveries due again and the answer, in one transaction (404: the key is not used up)
            Claim<Void> claim = keys.inTransaction(() -> {
                if (!keys.claim(keyed, null, eventId)) {
                    return new Claim.TakenUnseen<>();
                }
                String type = events.find(merchantId, eventId)
                        .orElseThrow(() -> Problems.notFound("No event " + eventId + " for this merchant."))
                        .type();
                List<DeliveryResponse> scheduled = deliveries.redeliver(merchantId, eventId);
                if (scheduled.isEmpty()) {
                    return new Claim.Answered<>(keys.answer(keyed, answers.problem(Problems.noSubscribedEndpoint(type))));
                }
                LOG.infof("event redelivery merchant=%s event_id=%s endpoints=%d", merchantId, eventId, scheduled.size());
                return new Claim.Answered<>(keys.answer(keyed, answers.accepted(new Redelivery(eventId, scheduled))));
            });
            Optional<Outcome> outcome = keys.outcomeOfClaim(keyed, claim, claims);
            if (outcome.isPresent()) {
                return outcome.get();
            }
        }
    }
}
