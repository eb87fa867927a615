package dev.payments.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.payments.localdb.LocalPostgres;
import dev.payments.testsupport.Await;
import dev.payments.testsupport.Service;
import dev.payments.testsupport.ServiceProcess;
import dev.payments.testsupport.Simulator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The payments database a fault test checks, as an administrator who sees every row: wherever it
 * runs (a container, a cluster behind a balancer), the same questions by JDBC.
 */
class PaymentRows {

    private final String jdbcUrl;
    private final String username;
    private final String password;

    PaymentRows(String jdbcUrl, String username, String password) {
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
    }

    String jdbcUrl() {
        return jdbcUrl;
    }

    Connection connect() throws Exception {
        return DriverManager.getConnection(jdbcUrl, username, password);
    }

    /** The service as in production: the runtime role, and Flyway as the owner. */
    ServiceProcess service(String name) {
        return new ServiceProcess(name, jdbcUrl(), LocalPostgres.APP, LocalPostgres.APP, LocalPostgres.OWNER,
                LocalPostgres.OWNER);
    }

    /**
     * {@code service} charging through {@code simulator}, its recovery job fast (every second, for
     * what was left 3 s ago): the fault tests wait for it to finish what their faults left.
     */
    static <S extends Service> S chargingThrough(S service, Simulator simulator) {
        service.with("PAYMENTS_PROCESSOR_URL", simulator.url())
                .with("PAYMENTS_PROCESSOR_API_KEY", Simulator.API_KEY)
                .with("PAYMENTS_PROCESSOR_RECOVERY_INTERVAL", "1s")
                .with("PAYMENTS_PROCESSOR_RECOVERY_AFTER", "3s");
        return service;
    }

    /** The request deadline of a {@link #patient} service. */
    static final Duration PATIENT_DEADLINE = Duration.ofSeconds(15);

    /**
     * {@code service} made to wait 10 s for the processor, without repeating the call, so that a
     * held answer is still awaited when a test kills the service or stops the database; its
     * requests get the deadline such a wait needs.
     */
    static <S extends Service> S patient(S service) {
        service.with("PAYMENTS_PROCESSOR_TIMEOUT", "10s").with("PAYMENTS_PROCESSOR_MAX_RETRIES", "0")
                .with("PAYMENTS_REQUEST_DEADLINE", PATIENT_DEADLINE.toSeconds() + "s");
        return service;
    }

    /** The service as {@link #service}: one process, or {@code -Dpayments.test.instances} of them behind a balancer. */
    Service deployment(String name) {
        return Service.of(name, Service.instances(), this::service);
    }

    /** Payments per description starting with {@code prefix-}: the fault tests describe each payment by its key. */
    Map<String, Integer> paymentsPerKey(String prefix) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT description, count(*) FROM payments WHERE description LIKE ? GROUP BY description")) {
            s.setString(1, prefix + "-%");
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    counts.put(r.getString(1), r.getInt(2));
                }
            }
        }
        return counts;
    }

    /** Every payment described {@code prefix-...}: description to id, status and charge id. */
    Map<String, String[]> payments(String prefix) throws Exception {
        Map<String, String[]> payments = new HashMap<>();
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement("SELECT description, id::text, status, processor_charge_id "
                        + "FROM payments WHERE description LIKE ?")) {
            s.setString(1, prefix + "-%");
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    payments.put(r.getString(1), new String[] {r.getString(2), r.getString(3), r.getString(4)});
                }
            }
        }
        return payments;
    }

    /** The id of the payment described {@code description}, or null. */
    String paymentId(String description) throws Exception {
        return column("id::text", description);
    }

    /** The status of the payment described {@code description}, or null. */
    String paymentStatus(String description) throws Exception {
        return column("status", description);
    }

    private String column(String column, String description) throws Exception {
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement("SELECT " + column + " FROM payments WHERE description = ?")) {
            s.setString(1, description);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    /** The one text value a query answers, or null. */
    String text(String sql) throws Exception {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            return r.next() ? r.getString(1) : null;
        }
    }

    /** The first column of every row a query answers, as text. */
    java.util.List<String> list(String sql) throws Exception {
        java.util.List<String> values = new java.util.ArrayList<>();
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            while (r.next()) {
                values.add(r.getString(1));
            }
        }
        return values;
    }

    long number(String sql) throws Exception {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * The invariants, after the recovery job has had time to finish what is processing: every key
     * answered with one payment id, which is the one payment in the database for it, succeeded,
     * with exactly one charge in the ledger, the charge it records; no charge for any other payment.
     */
    void assertClean(String fault, RetryingClients clients, Simulator simulator, Duration settle) throws Exception {
        List<String> keys = List.copyOf(clients.keysStarted);
        String prefix = prefixOf(clients);
        settle(settle);
        Map<String, String[]> payments = payments(prefix);
        Map<String, Integer> perKey = paymentsPerKey(prefix);
        Map<String, List<JsonNode>> chargesByReference = new HashMap<>();
        for (JsonNode charge : simulator.ledger().get("charges")) {
            chargesByReference.computeIfAbsent(charge.path("reference").asText(""), r -> new ArrayList<>()).add(charge);
        }
        System.out.printf("[faults] %s: %d keys; %s; payments %d; charges %d%n", fault, keys.size(),
                clients.summary(), payments.size(), chargesByReference.size());
        assertEquals(0, clients.serverErrors.get(), "no 500s, ever");
        assertTrue(clients.badUnavailable.isEmpty(), "every 503 is problem+json with Retry-After");
        clients.assertEveryAnswerWithinTheDeadline();
        assertEquals(0, number("SELECT count(*) FROM payments WHERE status = 'processing'"),
                "nothing left processing once the processor answers again");
        for (String key : keys) {
            Set<String> answered = clients.idsByKey.get(key);
            assertTrue(answered != null && answered.size() == 1, "one payment id answered for " + key + ": " + answered);
            assertEquals(1, perKey.getOrDefault(key, 0), "exactly one payment in the database for " + key);
            String[] payment = payments.get(key);
            assertTrue(answered.contains(payment[0]), "the answered id is the stored payment");
            assertEquals("succeeded", payment[1], "every 201 is a succeeded payment: " + key);
            List<JsonNode> charges = chargesByReference.getOrDefault(payment[0], List.of());
            assertEquals(1, charges.size(), "exactly one charge for " + key);
            assertEquals(charges.get(0).get("id").asText(), payment[2], "the payment records its charge");
        }
        Set<String> paymentIds = new java.util.HashSet<>();
        payments.values().forEach(p -> paymentIds.add(p[0]));
        for (String reference : chargesByReference.keySet()) {
            assertTrue(paymentIds.contains(reference), "no charge without a payment: " + reference);
        }
    }

    /** What a failover cost, counted rather than asserted: the counter-case of asynchronous replication. */
    record Losses(int acknowledged, int lost, int chargesWithoutPayment, int chargedAgain) {
        @Override
        public String toString() {
            return String.format("%d payments acknowledged, %d of them lost (answered 201, not in the database); "
                    + "%d charges at the processor without a payment, %d of them for a request the client retried and "
                    + "paid again (the customer charged twice)", acknowledged, lost, chargesWithoutPayment, chargedAgain);
        }
    }

    /**
     * Counts, once the recovery job has had time to settle, the acknowledged payments the database
     * no longer has and the charges it does not know of: every charge is for a payment id
     * (its reference), so a charge whose payment is gone was made for a commit the failover lost;
     * if that payment was never answered, its client retried, and the retry charged again.
     */
    Losses losses(RetryingClients clients, Simulator simulator, Duration settle) throws Exception {
        settle(settle);
        Set<String> stored = new java.util.HashSet<>();
        payments(prefixOf(clients)).values().forEach(p -> stored.add(p[0]));
        Set<String> acknowledged = new java.util.HashSet<>();
        clients.idsByKey.values().forEach(acknowledged::addAll);
        int lost = (int) acknowledged.stream().filter(id -> !stored.contains(id)).count();
        int withoutPayment = 0;
        int chargedAgain = 0;
        for (JsonNode charge : simulator.ledger().get("charges")) {
            String reference = charge.path("reference").asText("");
            if (!stored.contains(reference)) {
                withoutPayment++;
                chargedAgain += acknowledged.contains(reference) ? 0 : 1;
            }
        }
        return new Losses(acknowledged.size(), lost, withoutPayment, chargedAgain);
    }

    /** The clients' keys are {@code prefix-0}, {@code prefix-1}, ...: the prefix. */
    private static String prefixOf(RetryingClients clients) {
        String first = clients.keysStarted.get(0);
        return first.substring(0, first.lastIndexOf('-'));
    }

    /** Waits (at most {@code settle}) until the recovery job has finished every payment left processing. */
    private void settle(Duration settle) {
        Await.until(() -> number("SELECT count(*) FROM payments WHERE status = 'processing'") == 0, settle);
    }
}
