package dev.payments.event;

import java.util.UUID;

/**
 * An event of a change, as phase 3 writes it in the change's own statement (the outbox): no change
 * unreported, and no event of a change that did not commit. {@code type} is payment.succeeded,
 * ...; {@code object} the payment or refund as GET returns it after the change, as JSON.
 */
public record Event(UUID id, String type, String object) {

    /** A merchant's event has just committed (a CDI event, fired in this instance only). */
    public record Committed(String merchantId, Event event) {
    }
}
