package dev.payments.payment;

import dev.payments.processor.DemoCard;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of POST /payments. Unknown fields are rejected, and no field is coerced from another JSON type. */
@Schema(name = "CreatePaymentRequest")
public record CreatePaymentRequest(
        @Schema(description = "Amount in minor units of the currency (cents for EUR)", example = "2500",
                minimum = "1", maximum = "99999999", required = true)
        @NotNull @Min(1) @Max(99_999_999)
        Long amount,

        @Schema(description = "ISO 4217 currency code, any case; returned upper-case", example = "EUR", required = true)
        @NotNull @CurrencyCode
        String currency,

        @Schema(description = "Demo processor token: " + DemoCard.TOKEN_VISA + " and " + DemoCard.TOKEN_MASTERCARD
                + " succeed, " + DemoCard.TOKEN_DECLINED + " and " + DemoCard.TOKEN_INSUFFICIENT_FUNDS + " are declined, "
                + DemoCard.TOKEN_SLOW + " succeeds after 1.5 s",
                example = DemoCard.TOKEN_VISA, required = true,
                enumeration = {DemoCard.TOKEN_VISA, DemoCard.TOKEN_MASTERCARD, DemoCard.TOKEN_DECLINED,
                        DemoCard.TOKEN_INSUFFICIENT_FUNDS, DemoCard.TOKEN_SLOW})
        @NotNull @KnownPaymentMethod
        String paymentMethod,

        @Schema(description = "Free text for your records", example = "Order #1001", maxLength = 500)
        @Size(max = 500)
        String description,

        @Schema(description = "Up to 20 string values, keys up to 40 characters, values up to 500",
                example = "{\"order_id\": \"1001\"}")
        @Size(max = 20, message = "must have at most 20 entries")
        Map<@NotNull @Size(min = 1, max = 40, message = "key must be 1 to 40 characters") String,
            @NotNull(message = "must be a string") @Size(max = 500) String> metadata,

        @Schema(description = "automatic (the default): charge now; manual: only authorize, and capture later with "
                + "POST /payments/{id}/capture", example = "automatic")
        CaptureMethod captureMethod) {

    /** Capture at once unless told otherwise. */
    public CaptureMethod captureMethodOrDefault() {
        return captureMethod == null ? CaptureMethod.AUTOMATIC : captureMethod;
    }

    /**
     * The request as the service understands it: currency upper-case, no metadata the same as
     * empty metadata, and no capture method the same as automatic. Two requests that normalize
     * alike make the same payment, so they are the same request for their idempotency key.
     */
    public CreatePaymentRequest normalized() {
        return new CreatePaymentRequest(amount, currency == null ? null : currency.toUpperCase(Locale.ROOT), paymentMethod,
                description, metadata == null || metadata.isEmpty() ? null : metadata,
                captureMethod == CaptureMethod.MANUAL ? CaptureMethod.MANUAL : null);
    }

    /**
     * The fields of this request as the first fingerprint scheme wrote them: its five fields, in
     * this order, as sent. Fixed here, whatever fields the request gains, so keys stored by the
     * releases before still compare (see RequestFingerprint).
     */
    public Map<String, Object> legacyV1Fields() {
        if (captureMethodOrDefault() != CaptureMethod.AUTOMATIC) {
            // scheme 1 predates manual capture: no key of that scheme can name such a request
            return null;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("amount", amount);
        fields.put("currency", currency);
        fields.put("payment_method", paymentMethod);
        fields.put("description", description);
        fields.put("metadata", metadata);
        return fields;
    }
}
