package dev.payments.webhook;

import dev.payments.database.Uuids;
import dev.payments.event.Events;
import dev.payments.idempotency.AnswerWriter;
import dev.payments.idempotency.Claim;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.KeyedRequest;
import dev.payments.idempotency.Outcome;
import dev.payments.problem.Problems;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * {@code POST /webhook_endpoints}: registers an endpoint exactly once per Idempotency-Key; 201 with
 * its secret. No processor is called, so the operation is all phase 1: the key, the endpoint and
 * the answer in one transaction. A lost answer that carried a secret is replayed whole, secret
 * included: a merchant whose first answer was lost must still learn it.
 */
@ApplicationScoped
public class RegisterWebhookEndpoint {

    private static final Logger LOG = Logger.getLogger(RegisterWebhookEndpoint.class);

    static final String PATH = "/webhook_endpoints";

    private final IdempotentRequests keys;
    private final WebhookEndpointStore endpoints;
    private final WebhookUrls urls;
    private final AnswerWriter answers;
    private final DeliveryWorker worker;
    private final WebhooksConfig config;
    private final SealedSecrets secrets;
    private final WebhookResolver resolver;

    RegisterWebhookEndpoint(IdempotentRequests keys, WebhookEndpointStore endpoints, WebhookUrls urls,
            AnswerWriter answers, DeliveryWorker worker, WebhooksConfig config, SealedSecrets secrets,
            WebhookResolver resolver) {
        this.secrets = secrets;
        this.resolver = resolver;
        this.keys = keys;
        this.endpoints = endpoints;
        this.urls = urls;
        this.answers = answers;
        this.worker = worker;
        this.config = config;
    }

    /**
     * A URL that may not be sent to is a 400 before the key is claimed, so it uses up no key; a
     * retry of a key already used is replayed (or a 422) whatever its URL resolves to now, since that
     * may have changed since ({@code refusal} comes from {@link #refusal}, asked first).
     */
    public Outcome run(String merchantId, IdempotencyKey key, CreateWebhookEndpointRequest request,
            Optional<String> refusal) {
        checkEventTypes(request.enabledEvents());
        try {
            urls.parse(request.url());
        } catch (WebhookUrls.Refused e) {
            throw Problems.validation("url", e.getMessage());
        }
        if (refusal.isPresent() && !keys.known(merchantId, key)) {
            throw Problems.validation("url", refusal.get());
        }
        CreateWebhookEndpointRequest normalized = request.normalized();
        KeyedRequest keyed = keys.request(merchantId, key, "POST", PATH, normalized);
        UUID id = Uuids.v7();
        worker.endpointRegistered(merchantId);
        for (int claims = 1; ; claims++) {
            // The only phase: the key, the endpoint (or the refusal) and the answer, in one transaction
            Claim<Void> claim = keys.inTransaction(() -> {
                if (!keys.claim(keyed, null, id)) {
                    return new Claim.TakenUnseen<>();
                }
                if (endpoints.lockAndCount(merchantId) >= config.maxEndpointsPerMerchant()) {
                    return new Claim.Answered<>(keys.answer(keyed,
                            answers.problem(Problems.tooManyWebhookEndpoints(config.maxEndpointsPerMerchant()))));
                }
                WebhookEndpoint endpoint = endpoints.insert(id, merchantId, normalized,
                        secrets.seal(WebhookSignatures.newSecret(), id));
                LOG.infof("webhook endpoint registered merchant=%s endpoint_id=%s events=%s", merchantId, id,
                        endpoint.enabledEvents());
                return new Claim.Answered<>(keys.answer(keyed, answers.created(endpoint.response(true), PATH + "/" + id)));
            });
            Optional<Outcome> outcome = keys.outcomeOfClaim(keyed, claim, claims);
            if (outcome.isPresent()) {
                return secrets.opened(outcome.get()); // stored sealed, answered in clear
            }
        }
    }

    /**
     * Before {@link #run}, off any thread: why the URL may not be sent to, with its host resolved
     * within payments.webhooks.dns-timeout (WebhookResolver), or empty if it may be.
     */
    public Uni<Optional<String>> refusal(String url) {
        return Uni.createFrom().completionStage(() -> resolver.check(urls, url).toCompletionStage())
                .map(target -> Optional.<String>empty())
                .onFailure(WebhookUrls.Refused.class).recoverWithItem(refused -> Optional.of(refused.getMessage()));
    }

    private static void checkEventTypes(List<String> types) {
        for (String type : types) {
            if (!type.equals("*") && !Events.TYPES.contains(type)) {
                throw Problems.validation("enabled_events", "must be \"*\" or event types: "
                        + String.join(", ", Events.TYPES.stream().sorted().toList()));
            }
        }
        if (types.contains("*") && types.size() > 1) {
            throw Problems.validation("enabled_events", "\"*\" already takes every type: send it alone");
        }
    }
}
