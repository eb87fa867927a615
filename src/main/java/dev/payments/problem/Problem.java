package dev.payments.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An RFC 9457 problem detail, the body of every error answer ({@code application/problem+json}).
 * {@code errors} lists the offending fields of a validation error; {@code payment_id} and
 * {@code decline_code} are set when a card was declined, {@code payment_id} and {@code failure_code}
 * when the processor refused a charge, {@code payment_id} alone when a payment's outcome is not
 * known yet.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Problem", description = "RFC 9457 problem details")
public record Problem(
        @Schema(description = "Stable URI naming the kind of problem", example = "https://payments.example/problems/validation-error")
        String type,
        @Schema(description = "Short summary of the kind of problem", example = "Invalid request")
        String title,
        @Schema(description = "HTTP status code", example = "400")
        int status,
        @Schema(description = "What went wrong with this request and what to do about it")
        String detail,
        @Schema(description = "The field errors of a validation problem")
        List<FieldError> errors,
        @Schema(description = "The payment concerned: declined (402), or not confirmed yet (503 payment-processing)")
        UUID paymentId,
        @Schema(description = "Why the card was declined (402 only)", enumeration = {"card_declined", "insufficient_funds"})
        String declineCode,
        @Schema(description = "Why the processor refused the charge (402 payment-failed only)",
                example = "payment_method_invalid")
        String failureCode) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://payments.example/problems/";

    public static Problem of(String slug, String title, int status, String detail) {
        return new Problem(TYPE_BASE + slug, title, status, detail, null, null, null, null);
    }

    public Problem withErrors(List<FieldError> fieldErrors) {
        return new Problem(type, title, status, detail, fieldErrors, paymentId, declineCode, failureCode);
    }

    public Problem withPayment(UUID payment) {
        return new Problem(type, title, status, detail, errors, payment, declineCode, failureCode);
    }

    public Problem withDecline(UUID payment, String code) {
        return new Problem(type, title, status, detail, errors, payment, code, null);
    }

    public Problem withFailure(UUID payment, String code) {
        return new Problem(type, title, status, detail, errors, payment, null, code);
    }

    @Schema(name = "FieldError")
    public record FieldError(
            @Schema(example = "amount") String field,
            @Schema(example = "must be less than or equal to 99999999") String message) {
    }
}
