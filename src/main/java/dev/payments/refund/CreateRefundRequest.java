package dev.payments.refund;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of POST /payments/{id}/refunds; every field is optional, and an empty body refunds all that remains. */
@Schema(name = "CreateRefundRequest")
public record CreateRefundRequest(
        @Schema(description = "Minor units to refund; default: all that remains refundable", example = "500",
                minimum = "1", maximum = "99999999")
        @Min(1) @Max(99_999_999)
        Long amount,

        @Schema(description = "Why, for your records", example = "requested_by_customer")
        RefundReason reason,

        @Schema(description = "Up to 20 string values, keys up to 40 characters, values up to 500",
                example = "{\"return_id\": \"r-77\"}")
        @Size(max = 20, message = "must have at most 20 entries")
        Map<@NotNull @Size(min = 1, max = 40, message = "key must be 1 to 40 characters") String,
            @NotNull(message = "must be a string") @Size(max = 500) String> metadata) {

    public static final CreateRefundRequest ALL_THAT_REMAINS = new CreateRefundRequest(null, null, null);

    /** No metadata is the same request as empty metadata. */
    CreateRefundRequest normalized() {
        return new CreateRefundRequest(amount, reason, metadata == null || metadata.isEmpty() ? null : metadata);
    }
}
