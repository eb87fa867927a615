package dev.payments.webhook;

import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.config.PaymentsConfig;
import dev.payments.event.EventStore;
import dev.payments.event.Events;
import dev.payments.idempotency.Answers;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotentOperation;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.StoredKey;
import dev.payments.payment.Uuids;
import dev.payments.problem.ProblemException;
import dev.payments.problem.Problems;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Webhook endpoints and redeliveries. Their POSTs are idempotent by the same mechanism as every
 * other ({@link IdempotentRequests}); they call no processor, so each is all phase 1: done in the
 * transaction that claims the key, its answer stored with it. A lost answer that carried a secret
 * is replayed whole, secret included: a merchant whose first answer was lost must still learn it.
 */
@ApplicationScoped
public class WebhookEndpointService {

    private static final Logger LOG = Logger.getLogger(WebhookEndpointService.class);

    static final String PATH = "/webhook_endpoints";

    private final IdempotentRequests idempotent;
    private final WebhookEndpointStore endpoints;
    private final DeliveryStore deliveries;
    private final EventStore events;
    private final WebhookUrls urls;
    private final Answers answers;
    private final DeliveryWorker worker;
    private final PaymentsConfig.Webhooks config;

    WebhookEndpointService(IdempotentRequests idempotent, WebhookEndpointStore endpoints, DeliveryStore deliveries,
            EventStore events, WebhookUrls urls, Answers answers, DeliveryWorker worker, PaymentsConfig config) {
        this.worker = worker;
        this.idempotent = idempotent;
        this.endpoints = endpoints;
        this.deliveries = deliveries;
        this.events = events;
        this.urls = urls;
        this.answers = answers;
        this.config = config.webhooks();
    }

    /**
     * Registers an endpoint; 201 with its secret. A URL that may not be sent to is a 400 before the
     * key is claimed, so it uses up no key; a retry of a key already used is replayed (or a 422)
     * without resolving the URL again, whose answer may have changed since.
     */
    public IdempotentRequests.Result create(String merchantId, IdempotencyKey key, CreateWebhookEndpointRequest request) {
        checkEventTypes(request.enabledEvents());
        try {
            if (idempotent.known(merchantId, key)) {
                urls.parse(request.url());
            } else {
                urls.check(request.url());
            }
        } catch (WebhookUrls.Refused e) {
            throw Problems.validation("url", e.getMessage());
        }
        CreateWebhookEndpointRequest normalized = request.normalized();
        UUID id = Uuids.v7();
        worker.endpointRegistered(merchantId);
        return idempotent.run(new IdempotentRequests.Request(merchantId, key, "POST", PATH, normalized, null),
                local(id, () -> {
                    if (endpoints.lockAndCount(merchantId) >= config.maxEndpointsPerMerchant()) {
                        return answers.problem(Problems.tooManyWebhookEndpoints(config.maxEndpointsPerMerchant()));
                    }
                    WebhookEndpoint endpoint = endpoints.insert(id, merchantId, normalized, WebhookSignatures.newSecret());
                    LOG.infof("webhook endpoint registered merchant=%s endpoint_id=%s events=%s", merchantId, id,
                            endpoint.enabledEvents());
                    return answers.created(endpoint.response(true), PATH + "/" + id);
                }));
    }

    /** A new secret (200, with it); the old one signs alongside it for {@code payments.webhooks.secret-overlap}. */
    public IdempotentRequests.Result rotateSecret(String merchantId, IdempotencyKey key, UUID id) {
        String path = PATH + "/" + id + "/rotate_secret";
        return idempotent.run(new IdempotentRequests.Request(merchantId, key, "POST", path, Map.of(), null),
                local(id, () -> {
                    WebhookEndpoint endpoint = endpoints.rotate(merchantId, id, WebhookSignatures.newSecret(),
                            config.secretOverlap()).orElseThrow(() -> noSuchEndpoint(id));
                    LOG.infof("webhook secret rotated merchant=%s endpoint_id=%s", merchantId, id);
                    return answers.ok(endpoint.response(true));
                }));
    }

    /** Sends the event again to every enabled endpoint subscribed to it; 202 with the deliveries. */
    public IdempotentRequests.Result redeliver(String merchantId, IdempotencyKey key, UUID eventId) {
        String path = "/events/" + eventId + "/redeliver";
        return idempotent.run(new IdempotentRequests.Request(merchantId, key, "POST", path, Map.of(), null),
                local(eventId, () -> {
                    String type = events.find(merchantId, eventId)
                            .orElseThrow(() -> Problems.notFound("No event " + eventId + " for this merchant."))
                            .type();
                    List<DeliveryResponse> scheduled = deliveries.redeliver(merchantId, eventId);
                    if (scheduled.isEmpty()) {
                        return answers.problem(Problems.noSubscribedEndpoint(type));
                    }
                    LOG.infof("event redelivery merchant=%s event_id=%s endpoints=%d", merchantId, eventId,
                            scheduled.size());
                    return answers.accepted(new Redelivery(eventId, scheduled));
                }));
    }

    public Optional<WebhookEndpointResponse> find(String merchantId, UUID id) {
        return autocommit(() -> endpoints.find(merchantId, id)).map(endpoint -> endpoint.response(false));
    }

    public WebhookEndpointList list(String merchantId, int limit, UUID startingAfter) {
        if (startingAfter != null && find(merchantId, startingAfter).isEmpty()) {
            throw Problems.validation("starting_after", "no such webhook endpoint");
        }
        List<WebhookEndpoint> page = autocommit(() -> endpoints.page(merchantId, startingAfter, limit + 1));
        return new WebhookEndpointList(page.stream().limit(limit).map(endpoint -> endpoint.response(false)).toList(),
                page.size() > limit);
    }

    /** Deletes the endpoint and its deliveries; nothing more is sent to it. */
    public void delete(String merchantId, UUID id) {
        if (!autocommit(() -> endpoints.delete(merchantId, id))) {
            throw noSuchEndpoint(id);
        }
        LOG.infof("webhook endpoint deleted merchant=%s endpoint_id=%s", merchantId, id);
    }

    public DeliveryList deliveries(String merchantId, UUID id, int limit, UUID startingAfter) {
        if (find(merchantId, id).isEmpty()) {
            throw noSuchEndpoint(id);
        }
        if (startingAfter != null && !autocommit(() -> deliveries.exists(id, startingAfter))) {
            throw Problems.validation("starting_after", "no such delivery of this endpoint");
        }
        List<DeliveryResponse> page = autocommit(() -> deliveries.page(id, startingAfter, limit + 1));
        return new DeliveryList(page.stream().limit(limit).toList(), page.size() > limit);
    }

    static ProblemException noSuchEndpoint(UUID id) {
        return Problems.notFound("No webhook endpoint " + id + " for this merchant.");
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

    /** Phase 1 of an operation that calls nobody: everything happens in it. */
    @FunctionalInterface
    private interface Work {
        StoredKey.Answer run() throws SQLException;
    }

    /** An operation done wholly in the claim's transaction, about {@code resourceId}; its answer is the key's. */
    private static IdempotentOperation<Void> local(UUID resourceId, Work work) {
        return new IdempotentOperation<>() {
            @Override
            public UUID paymentId() {
                return null;
            }

            @Override
            public UUID resourceId() {
                return resourceId;
            }

            @Override
            public Begun<Void> begin() throws SQLException {
                return new Begun.Answered<>(work.run());
            }

            @Override
            public Optional<StoredKey.Answer> drive(Void attempt, boolean redrive) {
                throw new IllegalStateException("a local operation is answered in its first phase");
            }

            @Override
            public Optional<Void> takeOver(StoredKey stored) {
                // answered with its claim, committed together: a key never holds one unfinished
                return Optional.empty();
            }
        };
    }
}
