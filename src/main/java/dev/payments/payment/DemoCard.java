package dev.payments.payment;

import java.util.Arrays;
import java.util.Optional;

/**
 * The demo processor's test cards. Deterministic on purpose: the same token always gives the same
 * outcome, so every path of the API (success, decline, replay of a decline) can be tried by hand.
 */
public enum DemoCard {
    VISA("pm_card_visa", null),
    MASTERCARD("pm_card_mastercard", null),
    DECLINED("pm_card_declined", "card_declined"),
    INSUFFICIENT_FUNDS("pm_card_insufficient_funds", "insufficient_funds");

    private final String token;
    private final String declineCode;

    DemoCard(String token, String declineCode) {
        this.token = token;
        this.declineCode = declineCode;
    }

    public static Optional<DemoCard> byToken(String token) {
        return Arrays.stream(values()).filter(card -> card.token.equals(token)).findFirst();
    }

    /** Why the card is declined, or empty if a charge succeeds. */
    public Optional<String> declineCode() {
        return Optional.ofNullable(declineCode);
    }
}
