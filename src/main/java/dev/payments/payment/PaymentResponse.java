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
        @Schema(description = "Only for failed payments: the processor's code for why it refused the charge",
                example = "payment_method_invalid")
        @JsonInclude(JsonInclude.Include.NON_NULL) String failureCode,
        @Schema(description = "ISO-8601, UTC", example = "2026-11-23T16:09:41.123456Z") Instant createdAt,
        @Schema(description = "automatic: charged at once; manual: authorized, charged by a capture", example = "automatic",
                enumeration = {"automatic", "manual"}) String captureMethod,
        @Schema(description = "What a capture may still take (minor units): the amount while requires_capture, else 0",
                example = "0") long amountCapturable,
        @Schema(description = "What was captured (minor units)", example = "2500") long amountCaptured,
        @Schema(description = "What was refunded (minor units); a payment stays succeeded however much is refunded",
                example = "0") long amountRefunded,
        @Schema(description = "ISO-8601, UTC; only for canceled payments", nullable = true)
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant canceledAt,
        @Schema(description = "Only for canceled payments", nullable = true,
                enumeration = {"requested_by_customer", "duplicate", "abandoned"})
        @JsonInclude(JsonInclude.Include.NON_NULL) String cancellationReason) {

    public static PaymentResponse of(Payment payment) {
        return new PaymentResponse(payment.id, payment.amount, payment.currency, payment.status,
                payment.paymentMethod, payment.description, payment.metadata == null ? Map.of() : new TreeMap<>(payment.metadata),
                payment.declineCode, payment.failureCode, payment.createdAt, payment.captureMethod, payment.amountCapturable,
                payment.amountCaptured, payment.amountRefunded, payment.canceledAt, payment.cancellationReason);
    }
}
