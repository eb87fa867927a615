package dev.payments.refund;

import com.fasterxml.jackson.annotation.JsonValue;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/**
 * Where a refund is: {@code pending} from its first phase until the processor's outcome is recorded,
 * then {@code succeeded} or {@code failed} (nothing refunded) for good.
 */
public enum RefundStatus {
    PENDING("pending"),
    SUCCEEDED("succeeded"),
    FAILED("failed");

    private final String value;

    RefundStatus(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    /** The status stored as {@code value}. */
    public static RefundStatus of(String value) {
        for (RefundStatus status : values()) {
            if (status.value.equals(value)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown refund status " + value);
    }

    /** Stored as the same lower-case word as in JSON (see the CHECK constraint on refunds.status). */
    @Converter(autoApply = true)
    public static class DatabaseConverter implements AttributeConverter<RefundStatus, String> {
        @Override
        public String convertToDatabaseColumn(RefundStatus status) {
            return status == null ? null : status.value;
        }

        @Override
        public RefundStatus convertToEntityAttribute(String value) {
            return value == null ? null : of(value);
        }
    }
}
