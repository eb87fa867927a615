package dev.payments.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The money invariants between our database and the processor's ledger, checked after every test
 * that moves money: exactly one charge per payment (so per merchant and Idempotency-Key: one
 * payment per key is the primary key's business), no charge without a payment, every finished
 * payment agreeing with its charge (status, captured and refunded amounts), exactly one processor
 * refund per refund of ours and none without one, and nothing left under way once the processor
 * answers again. Then the database's own sums ({@link #checkAmounts}).
 */
public final class ProcessorInvariants {

    private ProcessorInvariants() {
    }

    /**
     * Checks the invariants, first waiting (up to {@code settle}) for payments still processing to
     * be finished by the recovery job.
     */
    public static void check(Simulator simulator, Duration settle) throws InterruptedException {
        Await.until(() -> TestDatabase.number(UNDER_WAY) == 0, settle);
        List<String> broken = new ArrayList<>(checkAmounts());
        broken.addAll(checkEvents());
        broken.addAll(checkDeliveries());
        for (Map<String, Object> row : TestDatabase.rows(
                "SELECT id::text AS id, status, pending_action FROM payments WHERE status = 'processing' OR pending_action IS NOT NULL")) {
            broken.add("payment " + row.get("id") + " is still " + row.get("status") + " " + row.get("pending_action"));
        }
        for (Map<String, Object> row : TestDatabase.rows("SELECT id::text AS id FROM refunds WHERE status = 'pending'")) {
            broken.add("refund " + row.get("id") + " is still pending");
        }
        Map<String, List<JsonNode>> chargesByReference = new HashMap<>();
        JsonNode ledger = simulator.ledger();
        for (JsonNode charge : ledger.get("charges")) {
            chargesByReference.computeIfAbsent(charge.path("reference").asText(""), r -> new ArrayList<>()).add(charge);
        }
        Map<String, Map<String, Object>> payments = new HashMap<>();
        for (Map<String, Object> row : TestDatabase.rows("""
                SELECT id::text AS id, status, processor_key, processor_charge_id, decline_code, amount_captured,
                       amount_refunded
                FROM payments WHERE processor_key IS NOT NULL""")) {
            payments.put((String) row.get("id"), row);
        }
        chargesByReference.forEach((reference, charges) -> {
            if (charges.size() != 1) {
                broken.add(charges.size() + " charges for payment " + reference);
            }
            if (!payments.containsKey(reference)) {
                broken.add("charge " + charges.get(0).get("id").asText() + " has no payment (reference " + reference + ")");
            }
        });
        payments.forEach((id, payment) -> {
            List<JsonNode> charges = chargesByReference.getOrDefault(id, List.of());
            if ("failed".equals(payment.get("status"))) {
                // the processor refused the charge: it made none
                if (!charges.isEmpty() || payment.get("processor_charge_id") != null) {
                    broken.add("payment " + id + " failed, but has a charge " + payment.get("processor_charge_id"));
                }
                return;
            }
            if (charges.isEmpty()) {
                // a payment made through the demo processor (another test profile) has no charge here
                if (!String.valueOf(payment.get("processor_charge_id")).startsWith("ch_demo_")) {
                    broken.add("payment " + id + " (" + payment.get("status") + ") has no charge");
                }
                return;
            }
            JsonNode charge = charges.get(0);
            if (!charge.get("id").asText().equals(payment.get("processor_charge_id"))) {
                broken.add("payment " + id + " records charge " + payment.get("processor_charge_id") + ", the processor made "
                        + charge.get("id").asText());
            }
            if (!charge.get("status").asText().equals(payment.get("status"))) {
                broken.add("payment " + id + " is " + payment.get("status") + ", its charge " + charge.get("status").asText());
            }
            if (!charge.get("idempotency_key").asText().equals(payment.get("processor_key"))) {
                broken.add("payment " + id + "'s charge was made with key " + charge.get("idempotency_key").asText());
            }
            for (String amount : List.of("amount_captured", "amount_refunded")) {
                if (charge.path(amount).asLong() != ((Number) payment.get(amount)).longValue()) {
                    broken.add("payment " + id + " has " + amount + " " + payment.get(amount) + ", its charge "
                            + charge.path(amount).asLong());
                }
            }
        });
        Map<String, List<JsonNode>> refundsByReference = new HashMap<>();
        for (JsonNode refund : ledger.get("refunds")) {
            refundsByReference.computeIfAbsent(refund.path("reference").asText(""), r -> new ArrayList<>()).add(refund);
        }
        Map<String, Map<String, Object>> refunds = new HashMap<>();
        for (Map<String, Object> row : TestDatabase.rows(
                "SELECT id::text AS id, status, amount, processor_key, processor_refund_id FROM refunds")) {
            refunds.put((String) row.get("id"), row);
        }
        refundsByReference.forEach((reference, made) -> {
            if (made.size() != 1) {
                broken.add(made.size() + " processor refunds for refund " + reference);
            }
            if (!refunds.containsKey(reference)) {
                broken.add("processor refund " + made.get(0).get("id").asText() + " has no refund (reference " + reference + ")");
            }
        });
        refunds.forEach((id, refund) -> {
            List<JsonNode> made = refundsByReference.getOrDefault(id, List.of());
            if (made.isEmpty()) {
                if (!String.valueOf(refund.get("processor_refund_id")).startsWith("re_demo_")) {
                    broken.add("refund " + id + " (" + refund.get("status") + ") has no processor refund");
                }
                return;
            }
            JsonNode processorRefund = made.get(0);
            if (!processorRefund.get("id").asText().equals(refund.get("processor_refund_id"))
                    || !processorRefund.get("status").asText().equals(refund.get("status"))
                    || processorRefund.get("amount").asLong() != ((Number) refund.get("amount")).longValue()
                    || !processorRefund.get("idempotency_key").asText().equals(refund.get("processor_key"))) {
                broken.add("refund " + id + " " + refund + " disagrees with the processor's " + processorRefund);
            }
        });
        assertTrue(broken.isEmpty(), String.join("\n", broken));
    }

    /**
     * Every state change has its event (the outbox), by SQL: each finished payment of this release
     * the events of the way it went (created succeeded, declined or authorized; then captured or
     * canceled), each finished refund its own, and no event of a change that is not there.
     */
    public static List<String> checkEvents() {
        List<String> broken = new ArrayList<>();
        for (Map<String, Object> row : TestDatabase.rows("""
                WITH expected AS (
                    SELECT id, merchant_id, unnest(CASE
                        WHEN status = 'succeeded' AND capture_method = 'automatic' THEN ARRAY['payment.succeeded']
                        WHEN status = 'succeeded' THEN ARRAY['payment.requires_capture', 'payment.captured']
                        WHEN status = 'declined' THEN ARRAY['payment.declined']
                        WHEN status = 'requires_capture' THEN ARRAY['payment.requires_capture']
                        WHEN status = 'canceled' THEN ARRAY['payment.requires_capture', 'payment.canceled']
                        WHEN status = 'failed' THEN ARRAY['payment.failed']
                        ELSE ARRAY[]::text[] END) AS type
                    FROM payments WHERE processor_key IS NOT NULL
                    UNION ALL
                    SELECT id, merchant_id, 'refund.' || status FROM refunds WHERE status <> 'pending'),
                reported AS (SELECT object_id AS id, merchant_id, type FROM events)
                (SELECT 'missing' AS what, * FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM reported) m)
                UNION ALL
                (SELECT 'unexpected', * FROM (SELECT * FROM reported EXCEPT ALL SELECT * FROM expected) u)""")) {
            broken.add("event " + row.get("what") + ": " + row.get("type") + " of " + row.get("id"));
        }
        return broken;
    }

    /**
     * Every event is delivered or still scheduled to each endpoint that took it (enabled and
     * subscribed to its type when it was written), by SQL: a failed delivery only after attempts or
     * with its endpoint disabled; and no delivery to an endpoint that did not take the event.
     */
    public static List<String> checkDeliveries() {
        List<String> broken = new ArrayList<>();
        for (Map<String, Object> row : TestDatabase.rows("""
                WITH owed AS (
                    SELECT ev.id AS event_id, e.id AS endpoint_id
                    FROM events ev JOIN webhook_endpoints e ON e.merchant_id = ev.merchant_id
                    WHERE e.created_at <= ev.created_at AND (e.disabled_at IS NULL OR e.disabled_at > ev.created_at)
                      AND e.enabled_events && ARRAY['*', ev.type])
                SELECT 'no delivery' AS what, o.event_id::text AS event_id, o.endpoint_id::text AS endpoint_id
                FROM owed o LEFT JOIN webhook_deliveries d ON d.event_id = o.event_id AND d.endpoint_id = o.endpoint_id
                WHERE d.id IS NULL
                UNION ALL
                SELECT 'failed without trying', d.event_id::text, d.endpoint_id::text
                FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.status = 'failed' AND d.attempts = 0 AND e.status = 'enabled'
                UNION ALL
                SELECT 'delivered to an endpoint that did not take it', d.event_id::text, d.endpoint_id::text
                FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
                JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE NOT e.enabled_events && ARRAY['*', ev.type] OR e.merchant_id <> ev.merchant_id""")) {
            broken.add("webhook " + row.get("what") + ": event " + row.get("event_id") + " to endpoint "
                    + row.get("endpoint_id"));
        }
        return broken;
    }

    /** Anything under way: a create processing, a capture or cancel pending, a refund pending. */
    private static final String UNDER_WAY = """
            SELECT (SELECT count(*) FROM payments WHERE status = 'processing' OR pending_action IS NOT NULL)
                 + (SELECT count(*) FROM refunds WHERE status = 'pending')""";

    /**
     * The money invariants inside our database, by SQL: each payment's refunded and pending amounts
     * are the sums of its refunds, never more than it captured; it captured at most what was
     * authorized; captured and canceled exclude each other; refunds only of succeeded payments.
     * Returns what is broken (empty when all holds).
     */
    public static List<String> checkAmounts() {
        List<String> broken = new ArrayList<>();
        for (Map<String, Object> row : TestDatabase.rows("""
                SELECT p.id::text AS id, p.status, p.amount, p.amount_captured, p.amount_refunded, p.amount_refund_pending,
                       p.canceled_at, coalesce(sum(r.amount) FILTER (WHERE r.status = 'succeeded'), 0) AS refunded,
                       coalesce(sum(r.amount) FILTER (WHERE r.status = 'pending'), 0) AS pending
                FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id
                GROUP BY p.id
                HAVING p.amount_refunded <> coalesce(sum(r.amount) FILTER (WHERE r.status = 'succeeded'), 0)
                    OR p.amount_refund_pending <> coalesce(sum(r.amount) FILTER (WHERE r.status = 'pending'), 0)
                    OR p.amount_refunded + p.amount_refund_pending > p.amount_captured
                    OR p.amount_captured > p.amount
                    OR (p.amount_captured > 0 AND p.canceled_at IS NOT NULL)
                    OR (count(r.id) > 0 AND p.status <> 'succeeded')""")) {
            broken.add("payment amounts broken: " + row);
        }
        return broken;
    }
}
