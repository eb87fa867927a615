package dev.payments.payment;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.payments.processor.DemoCard;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "Payment")
public record PaymentResponse(
        @Schema(example = "019ab5b4-2f6e-7cc1-9a5e-3c1f0e6b8d21") UUID id,
        @Schema(description = "Minor units", example = "2500") long amount,
        @Schema(example = "EUR") String currency,
        @Schema(example = "succeeded") PaymentStatus status,
        @Schema(example = DemoCard.TOKEN_VISA) String paymentMethod,
        @Schema(example = "Order #1001", nullable = true) String description,
        @Schema(example = "{\"order_id\": \"1001\"}") Map<String, String> metadata,
        @Schema(description = "Only for declined payments", enumeration = {"card_declined", "insufficient_funds"})
        @JsonInclude(JsonInclude.Include.NON_NULL) String declineCode,
        @Schema(description = "ISO-8601, UTC", example = "2026-11-23T16:09:41.123456Z") Instant createdAt) {

    static PaymentResponse of(Payment payment) {
        return new PaymentResponse(payment.id, payment.amount, payment.currency, payment.status,
                payment.paymentMethod, payment.description, payment.metadata == null ? Map.of() : new TreeMap<>(payment.metadata),
                payment.declineCode, payment.createdAt);
    }
}
