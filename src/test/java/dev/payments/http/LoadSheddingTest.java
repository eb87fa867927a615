package dev.payments.http;

import static dev.payments.testsupport.Api.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.ProcessorInvariants;
import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Load shedding: with 4 requests at most at once, 4 more waiting at most half a second, and a slow
 * processor, a burst of 24 creates gets 4 201s, 4 503s after the wait and the rest a 503 at once
 * (service-overloaded with Retry-After), never a 500; nothing is stored for a shed request, so its
 * retry with the same key is a first attempt and makes the payment; the management interface is
 * never shed. A burst that the wait can absorb is served whole.
 */
@QuarkusTest
@TestProfile(LoadSheddingTest.FourAtOnce.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class LoadSheddingTest {

    private static final int MAX_WAIT_MS = 500;

    public static class FourAtOnce implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // one merchant is the whole load here: its share is every place (MerchantShareTest has shares)
            return Map.of("payments.overload.limit", "fixed", "payments.overload.max-concurrent-requests", "4",
                    "payments.overload.max-concurrent-requests-per-merchant", "4",
                    "payments.overload.max-queued-requests", "4",
                    "payments.overload.max-queue-wait", MAX_WAIT_MS + "ms");
        }
    }

    @AfterEach
    void ledgerHolds() throws InterruptedException {
        Simulator.shared().latency(0);
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(20));
    }

    @Test
    void aBurstPastTheLimitAndTheQueueIsShedAndItsRetriesMakeThePayments() throws Exception {
        warmUp();
        // each admitted create holds its place for 1.5 s, longer than a waiter may wait
        Simulator.shared().latency(1500);
        ExecutorService clients = Executors.newFixedThreadPool(24);
        List<String> keys = new ArrayList<>();
        List<Future<Response>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                String key = newKey();
                keys.add(key);
                answers.add(clients.submit(() -> create(ACME_KEY, key, visa())));
            }
            List<String> shed = new ArrayList<>();
            int created = 0;
            int atOnce = 0;
            int afterTheWait = 0;
            for (int i = 0; i < answers.size(); i++) {
                Response answer = answers.get(i).get(30, TimeUnit.SECONDS);
                if (answer.statusCode() == 503) {
                    assertEquals("application/problem+json", answer.contentType());
                    assertTrue(answer.path("type").toString().endsWith("/service-overloaded"), answer.asString());
                    assertEquals("1", answer.header("Retry-After"));
                    long millis = answer.timeIn(TimeUnit.MILLISECONDS);
                    assertTrue(millis < 1400, "refused after the wait at most, not after a place freed: " + millis + " ms");
                    if (millis < MAX_WAIT_MS - 50) {
                        atOnce++;
                    } else {
                        afterTheWait++;
                    }
                    assertEquals(0, TestDatabase.keyRows(ACME, keys.get(i)), "nothing stored for a shed request");
                    shed.add(keys.get(i));
                } else {
                    assertEquals(201, answer.statusCode(), answer.asString());
                    created++;
                }
            }
            assertEquals(4, created, "the four admitted at once are served, none of the waiters: a place frees after their wait");
            assertTrue(afterTheWait >= 4, "four waited for a place the whole wait: " + afterTheWait);
            assertTrue(atOnce >= 12, "past four waiting, refused at once: " + atOnce);
            // the management interface answers while the API is full
            List<Future<Response>> busy = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                busy.add(clients.submit(() -> create(ACME_KEY, newKey(), visa())));
            }
            Thread.sleep(100);
            io.restassured.RestAssured.given().get(management() + "/q/health/live").then().statusCode(200);
            for (Future<Response> one : busy) {
                assertTrue(servedOrShed(one.get(30, TimeUnit.SECONDS).statusCode()), "201 or 503, never anything else");
            }
            Simulator.shared().latency(0);
            for (String key : shed) {
                Response retry = create(ACME_KEY, key, visa());
                assertEquals(201, retry.statusCode(), retry.asString());
                assertNull(retry.header("Idempotent-Replayed"), "a first attempt: the shed request did nothing");
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aBurstTheQueueCanHoldIsServedWhole() throws Exception {
        warmUp();
        // a place frees after about 150 ms, well within the wait
        Simulator.shared().latency(150);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(clients.submit(() -> create(ACME_KEY, newKey(), visa())));
            }
            for (Future<Response> answer : answers) {
                Response created = answer.get(30, TimeUnit.SECONDS);
                assertEquals(201, created.statusCode(), "twice the limit at once: half of them waited for a place, "
                        + "none refused: " + created.asString());
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /** The client's and the service's first requests are slow (connections, JIT): not measured. */
    private static void warmUp() {
        for (int i = 0; i < 4; i++) {
            create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        }
    }

    private static boolean servedOrShed(int status) {
        return status == 503 || status == 201;
    }
}
