package dev.payments.webhook;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "WebhookDeliveryAttemptList")
public record AttemptList(
        @Schema(description = "The delivery's attempts, newest first: the last 25 are kept, as long as the event") List<AttemptResponse> data) {
}
