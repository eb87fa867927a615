package dev.payments.webhook;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "WebhookEndpointList")
public record WebhookEndpointList(
        @Schema(description = "Your webhook endpoints, newest first") List<WebhookEndpointResponse> data,
        @Schema(description = "Whether older endpoints follow; pass the last id as starting_after to get them") boolean hasMore) {
}
