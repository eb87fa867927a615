package dev.payments.processor;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The demo processor's test cards, the one list of them (validation and the API description use
 * the constants). Deterministic on purpose: the same token always gives the same outcome, so every
 * path of the API (success, decline, replay of a decline) can be tried by hand.
 */
public enum DemoCard {
    VISA(DemoCard.TOKEN_VISA, null, Duration.ZERO),
    MASTERCARD(DemoCard.TOKEN_MASTERCARD, null, Duration.ZERO),
    DECLINED(DemoCard.TOKEN_DECLINED, "card_declined", Duration.ZERO),
    INSUFFICIENT_FUNDS(DemoCard.TOKEN_INSUFFICIENT_FUNDS, "insufficient_funds", Duration.ZERO),
    /**
     * Succeeds like visa, but the charge takes 1.5 s: time to watch requests with the same key
     * wait for it (the playground's race). Under the processor's 2 s time limit, so it is never
     * taken for a lost answer.
     */
    SLOW(DemoCard.TOKEN_SLOW, null, Duration.ofMillis(1500));

    public static final String TOKEN_VISA = "pm_card_visa";
    public static final String TOKEN_MASTERCARD = "pm_card_mastercard";
    public static final String TOKEN_DECLINED = "pm_card_declined";
    public static final String TOKEN_INSUFFICIENT_FUNDS = "pm_card_insufficient_funds";
    public static final String TOKEN_SLOW = "pm_card_slow";
    /** For messages and descriptions. */
    public static final String ALL_TOKENS = TOKEN_VISA + ", " + TOKEN_MASTERCARD + ", " + TOKEN_DECLINED + ", "
            + TOKEN_INSUFFICIENT_FUNDS + ", " + TOKEN_SLOW;

    private final String token;
    private final String declineCode;
    private final Duration chargeTakes;

    DemoCard(String token, String declineCode, Duration chargeTakes) {
        this.token = token;
        this.declineCode = declineCode;
        this.chargeTakes = chargeTakes;
    }

    public static Optional<DemoCard> byToken(String token) {
        return Arrays.stream(values()).filter(card -> card.token.equals(token)).findFirst();
    }

    /** Why the card is declined, or empty if a charge succeeds. */
    Optional<String> declineCode() {
        return Optional.ofNullable(declineCode);
    }

    /** How long the demo processor takes to answer a charge. */
    Duration chargeTakes() {
        return chargeTakes;
    }
}
