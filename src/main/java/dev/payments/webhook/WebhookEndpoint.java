package dev.payments.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A webhook endpoint as stored (its secrets never leave the service except in the answer that makes one). */
record WebhookEndpoint(UUID id, String url, List<String> enabledEvents, String description, String status,
        Instant createdAt, String secret) {

    static final String ENABLED = "enabled";
    static final String DISABLED = "disabled";

    /** The endpoint as GET shows it, or with {@code secret} as the answer that made or rotated it shows it. */
    WebhookEndpointResponse response(boolean withSecret) {
        return new WebhookEndpointResponse(id, url, enabledEvents, description, status, createdAt,
                withSecret ? secret : null);
    }
}
