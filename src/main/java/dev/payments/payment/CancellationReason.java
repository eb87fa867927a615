package dev.payments.payment;

import com.fasterxml.jackson.annotation.JsonValue;

/** Why an authorization was canceled; {@code abandoned} is also the service's own, for one never captured. */
public enum CancellationReason {
    REQUESTED_BY_CUSTOMER("requested_by_customer"),
    DUPLICATE("duplicate"),
    ABANDONED("abandoned");

    private final String value;

    CancellationReason(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }
}
