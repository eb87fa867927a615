package dev.payments.payment;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of POST /payments/{id}/cancel; may be empty. */
@Schema(name = "CancelRequest")
public record CancelRequest(
        @Schema(description = "Why, for your records", example = "requested_by_customer")
        CancellationReason cancellationReason) {

    static final CancelRequest NO_REASON = new CancelRequest(null);
}
