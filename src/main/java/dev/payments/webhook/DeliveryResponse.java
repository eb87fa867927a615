package dev.payments.webhook;

import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One event's delivery to one endpoint, with its last attempt. */
@Schema(name = "WebhookDelivery")
public record DeliveryResponse(
        UUID id,
        UUID eventId,
        @Schema(example = "payment.succeeded") String eventType,
        UUID endpointId,
        @Schema(description = "pending (scheduled, or being retried), delivered (a 2xx), failed (given up after the retry "
                + "window, or the endpoint was disabled)", enumeration = {"pending", "delivered", "failed"}) String status,
        @Schema(description = "Attempts so far") int attempts,
        @Schema(description = "When the last attempt began") Instant lastAttemptAt,
        @Schema(description = "The last attempt's HTTP status; null if it got none (a timeout, a refused connection)")
        Integer lastStatusCode,
        @Schema(description = "How long the last attempt took, in milliseconds") Integer lastDurationMs,
        @Schema(description = "Why the last attempt failed, when it did without a status or was refused") String lastError,
        @Schema(description = "When the next attempt is due (while pending)") Instant nextAttemptAt,
        Instant deliveredAt,
        Instant createdAt) {
}
