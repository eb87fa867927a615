package dev.payments.webhook;

import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The answer of POST /events/{id}/redeliver. */
@Schema(name = "Redelivery")
public record Redelivery(
        UUID eventId,
        @Schema(description = "The event's deliveries to each enabled endpoint subscribed to it, scheduled again")
        List<DeliveryResponse> deliveries) {
}
