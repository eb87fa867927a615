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
 * payment agreeing with its charge, and none left processing once the processor answers again.
 */
public final class ProcessorInvariants {

    private ProcessorInvariants() {
    }

    /**
     * Checks the invariants, first waiting (up to {@code settle}) for payments still processing to
     * be finished by the recovery job.
     */
    public static void check(Simulator simulator, Duration settle) throws InterruptedException {
        long deadline = System.nanoTime() + settle.toNanos();
        while (TestDatabase.number("SELECT count(*) FROM payments WHERE status = 'processing'") > 0
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<String> broken = new ArrayList<>();
        for (Map<String, Object> row : TestDatabase.rows(
                "SELECT id::text AS id, created_at FROM payments WHERE status = 'processing'")) {
            broken.add("payment " + row.get("id") + " is still processing");
        }
        Map<String, List<JsonNode>> chargesByReference = new HashMap<>();
        for (JsonNode charge : simulator.ledger().get("charges")) {
            chargesByReference.computeIfAbsent(charge.path("reference").asText(""), r -> new ArrayList<>()).add(charge);
        }
        Map<String, Map<String, Object>> payments = new HashMap<>();
        for (Map<String, Object> row : TestDatabase.rows("""
                SELECT id::text AS id, status, processor_key, processor_charge_id, decline_code
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
        });
        assertTrue(broken.isEmpty(), String.join("\n", broken));
    }
}
