package dev.payments.refund;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "Refund")
public record RefundResponse(
        @Schema(example = "019ab5b4-8d1e-7a50-b2c4-5e0f1a2b3c4d") UUID id,
        @Schema(example = "019ab5b4-2f6e-7cc1-9a5e-3c1f0e6b8d21") UUID paymentId,
        @Schema(description = "Minor units", example = "500") long amount,
        @Schema(example = "EUR") String currency,
        @Schema(implementation = String.class, description = "pending until the processor confirms; then succeeded or failed (nothing refunded)",
                enumeration = {"pending", "succeeded", "failed"}, example = "succeeded") RefundStatus status,
        @Schema(enumeration = {"requested_by_customer", "duplicate", "fraudulent"}, nullable = true) String reason,
        @Schema(example = "{\"return_id\": \"r-77\"}") Map<String, String> metadata,
        @Schema(description = "ISO-8601, UTC", example = "2026-11-23T16:19:41.123456Z") Instant createdAt) {

    static RefundResponse of(Refund refund) {
        return new RefundResponse(refund.id, refund.paymentId, refund.amount, refund.currency, refund.status,
                refund.reason, refund.metadata == null ? Map.of() : new TreeMap<>(refund.metadata), refund.createdAt);
    }
}
