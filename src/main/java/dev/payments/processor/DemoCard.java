package dev.payments.processor;

import java.util.Arrays;
import java.util.Optional;

/**
 * The demo processor's test cards, the one list of them (validation and the API description use
 * the constants). Deterministic on purpose: the same token always gives the same outcome, so every
 * path of the API (success, decline, replay of a decline) can be tried by hand.
 */
public enum DemoCard {
    VISA(DemoCard.TOKEN_VISA, null),
    MASTERCARD(DemoCard.TOKEN_MASTERCARD, null),
    DECLINED(DemoCard.TOKEN_DECLINED, "card_declined"),
    INSUFFICIENT_FUNDS(DemoCard.TOKEN_INSUFFICIENT_FUNDS, "insufficient_funds");

    public static final String TOKEN_VISA = "pm_card_visa";
    public static final String TOKEN_MASTERCARD = "pm_card_mastercard";
    public static final String TOKEN_DECLINED = "pm_card_declined";
    public static final String TOKEN_INSUFFICIENT_FUNDS = "pm_card_insufficient_funds";
    /** For messages and descriptions. */
    public static final String ALL_TOKENS = TOKEN_VISA + ", " + TOKEN_MASTERCARD + ", " + TOKEN_DECLINED + ", "
            + TOKEN_INSUFFICIENT_FUNDS;

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
    Optional<String> declineCode() {
        return Optional.ofNullable(declineCode);
    }
}
