package dev.payments.payment;

import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.HostileRequests;
import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.RawHttp;
import dev.payments.testsupport.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile requests (see {@link HostileRequests}) over real HTTP to the running service:
 * no answer is a 5xx, none shows a stack trace, SQL or a class name, and a request refused with a
 * 4xx stored nothing. The seed is printed; rerun one with {@code -Dhostile.seed=<seed>}, and make
 * more with {@code -Dhostile.requests=<n>}.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class HostileInputTest {

    private static final long DEFAULT_SEED = 0x5EED_2026_1201L;
    private static final int DEFAULT_REQUESTS = 1500;
    /** What no answer may contain: the marks of a stack trace, SQL and internal names. */
    private static final String[] LEAKS = {"Exception", "\tat ", ".java:", "SQLSTATE", "ERROR:", "org.hibernate",
            "org.postgresql", "io.vertx", "com.fasterxml", "java.lang", "jakarta.", "INSERT INTO", "SELECT ", "idempotency_keys"};

    @Test
    void noGeneratedRequestGetsA5xxALeakOrStoresAnythingWhenRefused() throws Exception {
        long seed = Long.getLong("hostile.seed", DEFAULT_SEED);
        int count = Integer.getInteger("hostile.requests", DEFAULT_REQUESTS);
        long paymentsBefore = TestDatabase.number("SELECT count(*) FROM payments");
        List<String> failures = new ArrayList<>();
        List<String> refusedKeys = new ArrayList<>();
        List<String> acceptedKeys = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (HostileRequests.Request request : new HostileRequests(seed).generate(count)) {
            RawHttp.Answer answer;
            try {
                answer = RawHttp.send(request.head(), request.body());
            } catch (RuntimeException e) {
                if (request.brokenFraming()) {
                    // the connection was closed: allowed for broken framing, and it must store nothing
                    statuses.merge(0, 1, Integer::sum);
                    refusedKeys.add(request.idempotencyKey());
                } else {
                    failures.add("no answer to " + request.description() + ": " + e.getMessage());
                }
                continue;
            }
            statuses.merge(answer.status(), 1, Integer::sum);
            if (answer.status() >= 500) {
                failures.add(answer.status() + " for " + request.description() + ": " + answer.body());
            }
            for (String leak : LEAKS) {
                if (answer.body().contains(leak)) {
                    failures.add("'" + leak + "' in the answer to " + request.description() + ": " + answer.body());
                }
            }
            if (request.idempotencyKey() != null && request.head().startsWith("POST /payments ")) {
                (answer.status() == 201 || answer.status() == 402 ? acceptedKeys : refusedKeys).add(request.idempotencyKey());
            }
        }
        // status 0: connections closed without an answer (broken chunked framing only)
        System.out.printf("[hostile] seed %d (0x%x), %d requests, statuses %s%n", seed, seed, count, statuses);
        assertEquals(List.of(), failures, "seed " + seed);
        assertEquals(0, keyRows(refusedKeys), "refused requests stored no key (seed " + seed + ")");
        assertEquals(acceptedKeys.size(), keyRows(acceptedKeys), "each accepted request stored its key");
        assertEquals(acceptedKeys.size(), TestDatabase.number("SELECT count(*) FROM payments") - paymentsBefore,
                "one payment per accepted request, none for refused ones (seed " + seed + ")");
        assertTrue(statuses.keySet().stream().filter(s -> s >= 400).count() >= 5, "the generator reaches many errors");
        assertTrue(acceptedKeys.size() > 10, "and some requests are valid");
    }

    private static long keyRows(List<String> keys) throws Exception {
        try (Connection c = TestDatabase.connect();
                PreparedStatement count = c.prepareStatement("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = ANY (?)")) {
            Array array = c.createArrayOf("text", keys.toArray());
            count.setArray(1, array);
            try (ResultSet row = count.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }
}
