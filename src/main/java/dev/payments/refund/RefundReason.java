package dev.payments.refund;

import com.fasterxml.jackson.annotation.JsonValue;

/** Why a refund is made, for the merchant's records and the processor's. */
public enum RefundReason {
    REQUESTED_BY_CUSTOMER("requested_by_customer"),
    DUPLICATE("duplicate"),
    FRAUDULENT("fraudulent");

    private final String value;

    RefundReason(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }
}
