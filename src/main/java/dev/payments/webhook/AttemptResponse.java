package dev.payments.webhook;

import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One attempt of a delivery, as a merchant debugging its endpoint reads it. */
@Schema(name = "WebhookDeliveryAttempt")
public record AttemptResponse(
        @Schema(description = "Its number among the delivery's attempts, from 1") int attempt,
        @Schema(description = "When it began") Instant startedAt,
        @Schema(description = "How long it took, in milliseconds") int durationMs,
        @Schema(description = "The endpoint's HTTP status; null if no answer came") Integer statusCode,
        @Schema(description = "Why it failed: http_status (an answer other than a 2xx), timeout, connection, url_refused "
                + "(not sent: the URL's address may not be sent to), secret_unreadable (not sent), other; null if delivered",
                enumeration = {"http_status", "timeout", "connection", "url_refused", "secret_unreadable", "other"})
        String errorKind,
        @Schema(description = "What went wrong, in a sentence; null if delivered") String error,
        @Schema(description = "The first 1 KiB of the endpoint's answer body, as text") String responseExcerpt) {
}
