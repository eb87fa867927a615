package dev.payments.event;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "Event")
public record EventResponse(
        @Schema(example = "019ab5b4-3a1c-7d2e-8f40-6b5c4d3e2f10") UUID id,
        @Schema(enumeration = {"payment.succeeded", "payment.declined", "payment.requires_capture", "payment.captured",
                "payment.canceled", "payment.failed", "refund.succeeded", "refund.failed"}, example = "payment.succeeded") String type,
        @Schema(description = "When the change committed, ISO-8601, UTC") Instant createdAt,
        Data data) {

    @Schema(name = "EventData")
    public record Data(
            @Schema(description = "The payment (payment.*) or the refund (refund.*) as GET returned it at that moment",
                    type = SchemaType.OBJECT)
            Map<String, Object> object) {
    }
}
