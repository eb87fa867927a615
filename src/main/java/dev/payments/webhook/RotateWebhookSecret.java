package dev.payments.webhook;

import dev.payments.idempotency.AnswerWriter;
import dev.payments.idempotency.Claim;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.KeyedRequest;
import dev.payments.idempotency.Outcome;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * {@code POST /webhook_endpoints/{id}/rotate_secret}: a new secret, exactly once per
 * Idempotency-Key (200, with it); the old one signs alongside it for
 * {@code payments.webhooks.secret-overlap}. All phase 1: the key, the new secret and the answer in
 * one transaction.
 */
@ApplicationScoped
public class RotateWebhookSecret {

    private static final Logger LOG = Logger.getLogger(RotateWebhookSecret.class);

    private final IdempotentRequests keys;
    private final WebhookEndpointStore endpoints;
    private final AnswerWriter answers;
    private final WebhooksConfig config;
    private final SealedSecrets secrets;

    RotateWebhookSecret(IdempotentRequests keys, WebhookEndpointStore endpoints, AnswerWriter answers,
            WebhooksConfig config, SealedSecrets secrets) {
        this.secrets = secrets;
        this.keys = keys;
        this.endpoints = endpoints;
        this.answers = answers;
        this.config = config;
    }

    public Outcome run(String merchantId, IdempotencyKey key, UUID id) {
        KeyedRequest keyed = keys.request(merchantId, key, "POST",
                RegisterWebhookEndpoint.PATH + "/" + id + "/rotate_secret", Map.of());
        for (int claims = 1; ; claims++) {
            // The only phase: the key, the new secret and the answer, in one transaction (404: the key is not used up)
            Claim<Void> claim = keys.inTransaction(() -> {
                if (!keys.claim(keyed, null, id)) {
                    return new Claim.TakenUnseen<>();
                }
                WebhookEndpoint endpoint = endpoints.rotate(merchantId, id, secrets.seal(WebhookSignatures.newSecret(), id),
                        config.secretOverlap()).orElseThrow(() -> WebhookEndpointService.noSuchEndpoint(id));
                LOG.infof("webhook secret rotated merchant=%s endpoint_id=%s", merchantId, id);
                return new Claim.Answered<>(keys.answer(keyed, answers.ok(endpoint.response(true))));
            });
            Optional<Outcome> outcome = keys.outcomeOfClaim(keyed, claim, claims);
            if (outcome.isPresent()) {
                return secrets.opened(outcome.get()); // stored sealed, answered in clear
            }
        }
    }
}
