package dev.payments.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.Uuids;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/** The event types, and the events phase 3 writes with each change. */
@ApplicationScoped
public class Events {

    public static final String PAYMENT_SUCCEEDED = "payment.succeeded";
    public static final String PAYMENT_DECLINED = "payment.declined";
    public static final String PAYMENT_REQUIRES_CAPTURE = "payment.requires_capture";
    public static final String PAYMENT_CAPTURED = "payment.captured";
    public static final String PAYMENT_CANCELED = "payment.canceled";
    public static final String PAYMENT_FAILED = "payment.failed";
    public static final String REFUND_SUCCEEDED = "refund.succeeded";
    public static final String REFUND_FAILED = "refund.failed";

    /** Every type, as the events table's CHECK lists them. */
    public static final Set<String> TYPES = Set.of(PAYMENT_SUCCEEDED, PAYMENT_DECLINED, PAYMENT_REQUIRES_CAPTURE,
            PAYMENT_CAPTURED, PAYMENT_CANCELED, PAYMENT_FAILED, REFUND_SUCCEEDED, REFUND_FAILED);

    private final ObjectMapper json;
    /** Tells this instance's observers (the webhook worker) that an event has committed. */
    private final jakarta.enterprise.event.Event<Event.Committed> committed;

    Events(ObjectMapper json, jakarta.enterprise.event.Event<Event.Committed> committed) {
        this.json = json;
        this.committed = committed;
    }

    /** The event of a change: {@code object} is the payment or refund as GET returns it after the change. */
    public Event of(String type, Object object) {
        try {
            return new Event(Uuids.v7(), type, json.writeValueAsString(object));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize an event's object", e);
        }
    }

    /** The change that {@code event} reports has committed: this instance's deliveries may be due. */
    public void committed(String merchantId, Event event) {
        committed.fire(new Event.Committed(merchantId, event));
    }
}
