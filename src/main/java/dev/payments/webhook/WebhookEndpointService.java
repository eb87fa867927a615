package dev.payments.webhook;

import static dev.payments.database.DatabaseException.unchecked;

import dev.payments.problem.ProblemException;
import dev.payments.problem.Problems;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Reading and deleting webhook endpoints and their deliveries. The idempotent POSTs are operations
 * of their own: RegisterWebhookEndpoint, RotateWebhookSecret, RedeliverEvent.
 */
@ApplicationScoped
public class WebhookEndpointService {

    private static final Logger LOG = Logger.getLogger(WebhookEndpointService.class);

    private final WebhookEndpointStore endpoints;
    private final DeliveryStore deliveries;

    WebhookEndpointService(WebhookEndpointStore endpoints, DeliveryStore deliveries) {
        this.endpoints = endpoints;
        this.deliveries = deliveries;
    }

    public Optional<WebhookEndpointResponse> find(String merchantId, UUID id) {
        return unchecked(() -> endpoints.find(merchantId, id)).map(endpoint -> endpoint.response(false));
    }

    public WebhookEndpointList list(String merchantId, int limit, UUID startingAfter) {
        if (startingAfter != null && find(merchantId, startingAfter).isEmpty()) {
            throw Problems.validation("starting_after", "no such webhook endpoint");
        }
        List<WebhookEndpoint> page = unchecked(() -> endpoints.page(merchantId, startingAfter, limit + 1));
        return new WebhookEndpointList(page.stream().limit(limit).map(endpoint -> endpoint.response(false)).toList(),
                page.size() > limit);
    }

    /** Deletes the endpoint and its deliveries; nothing more is sent to it. */
    public void delete(String merchantId, UUID id) {
        if (!unchecked(() -> endpoints.delete(merchantId, id))) {
            throw noSuchEndpoint(id);
        }
        LOG.infof("webhook endpoint deleted merchant=%s endpoint_id=%s", merchantId, id);
    }

    public DeliveryList deliveries(String merchantId, UUID id, int limit, UUID startingAfter) {
        if (find(merchantId, id).isEmpty()) {
            throw noSuchEndpoint(id);
        }
        if (startingAfter != null && !unchecked(() -> deliveries.exists(id, startingAfter))) {
            throw Problems.validation("starting_after", "no such delivery of this endpoint");
        }
        List<DeliveryResponse> page = unchecked(() -> deliveries.page(id, startingAfter, limit + 1));
        return new DeliveryList(page.stream().limit(limit).toList(), page.size() > limit);
    }

    /** A delivery's attempts, newest first; 404 unless it is a delivery of the merchant's endpoint. */
    public AttemptList attempts(String merchantId, UUID endpointId, UUID deliveryId) {
        if (find(merchantId, endpointId).isEmpty()) {
            throw noSuchEndpoint(endpointId);
        }
        if (!unchecked(() -> deliveries.exists(endpointId, deliveryId))) {
            throw Problems.notFound("No delivery " + deliveryId + " of webhook endpoint " + endpointId + ".");
        }
        return new AttemptList(unchecked(() -> deliveries.attempts(merchantId, endpointId, deliveryId)));
    }

    static ProblemException noSuchEndpoint(UUID id) {
        return Problems.notFound("No webhook endpoint " + id + " for this merchant.");
    }
}
