package dev.payments.payment;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of POST /payments/{id}/capture; an empty body captures the whole authorization. */
@Schema(name = "CaptureRequest")
public record CaptureRequest(
        @Schema(description = "Minor units to capture, at most the amount authorized; the rest is released. "
                + "Default: the whole authorization", example = "1500", minimum = "1", maximum = "99999999")
        @Min(1) @Max(99_999_999)
        Long amount) {

    static final CaptureRequest WHOLE = new CaptureRequest(null);
}
