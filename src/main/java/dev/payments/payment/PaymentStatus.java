package dev.payments.payment;

import com.fasterxml.jackson.annotation.JsonValue;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/**
 * Where a payment is: {@code processing} from the first phase of its create until its outcome is
 * recorded (the processor has not confirmed it yet); then {@code succeeded} (captured; refunds do
 * not change it) or {@code declined} for good, or, with capture_method manual,
 * {@code requires_capture} (authorized) until a capture makes it {@code succeeded} or a cancel
 * {@code canceled}; {@code failed} for good when the processor refused the charge as a request
 * (nothing was charged).
 */
public enum PaymentStatus {
    PROCESSING("processing"),
    REQUIRES_CAPTURE("requires_capture"),
    SUCCEEDED("succeeded"),
    DECLINED("declined"),
    CANCELED("canceled"),
    FAILED("failed");

    private final String value;

    PaymentStatus(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    /** The status stored as {@code value}. */
    public static PaymentStatus of(String value) {
        for (PaymentStatus status : values()) {
            if (status.value.equals(value)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown payment status " + value);
    }

    /** Stored as the same lower-case word as in JSON (see the CHECK constraint on payments.status). */
    @Converter(autoApply = true)
    public static class DatabaseConverter implements AttributeConverter<PaymentStatus, String> {
        @Override
        public String convertToDatabaseColumn(PaymentStatus status) {
            return status == null ? null : status.value;
        }

        @Override
        public PaymentStatus convertToEntityAttribute(String value) {
            return value == null ? null : of(value);
        }
    }
}
