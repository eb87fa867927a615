package dev.payments.payment;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "PaymentList")
public record PaymentList(
        @Schema(description = "The merchant's payments, newest first") List<PaymentResponse> data,
        @Schema(description = "Whether older payments follow; pass the last id as starting_after to get them") boolean hasMore) {
}
