package dev.payments.payment;

import com.fasterxml.jackson.annotation.JsonValue;

/** When the money moves: at once ({@code automatic}), or when the merchant captures ({@code manual}). */
public enum CaptureMethod {
    AUTOMATIC("automatic"),
    MANUAL("manual");

    private final String value;

    CaptureMethod(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }
}
