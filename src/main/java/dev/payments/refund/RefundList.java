package dev.payments.refund;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "RefundList")
public record RefundList(
        @Schema(description = "The payment's refunds, newest first") List<RefundResponse> data,
        @Schema(description = "Whether older refunds follow; pass the last id as starting_after to get them") boolean hasMore) {
}
