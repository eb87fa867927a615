package dev.payments.payment;

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
 * Load shedding: with 4 requests at most at once and a slow processor, a burst of 24 creates gets
 * some 201s and the rest a quick 503 service-overloaded with Retry-After, never a 500; nothing is
 * stored for a shed request, so its retry with the same key is a first attempt and makes the
 * payment; the management interface is never shed.
 */
@QuarkusTest
@TestProfile(LoadSheddingTest.FourAtOnce.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class LoadSheddingTest {

    public static class FourAtOnce implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("payments.overload.limit", "fixed", "payments.overload.max-concurrent-requests", "4");
        }
    }

    @AfterEach
    void ledgerHolds() throws InterruptedException {
        Simulator.shared().latency(0);
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(20));
    }

    @Test
    void aBurstPastTheLimitIsShedAtOnceAndItsRetriesMakeThePayments() throws Exception {
        // the client's and the service's first requests are slow (connections, JIT): not measured
        for (int i = 0; i < 4; i++) {
            create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        }
        // each admitted create holds its place for a second: a shed answer that waited for one is late
        Simulator.shared().latency(1000);
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
            for (int i = 0; i < answers.size(); i++) {
                Response answer = answers.get(i).get(30, TimeUnit.SECONDS);
                if (answer.statusCode() == 503) {
                    assertEquals("application/problem+json", answer.contentType());
                    assertTrue(answer.path("type").toString().endsWith("/service-overloaded"), answer.asString());
                    assertEquals("1", answer.header("Retry-After"));
                    assertTrue(answer.timeIn(TimeUnit.MILLISECONDS) < 500,
                            "refused at once, not after waiting: " + answer.timeIn(TimeUnit.MILLISECONDS) + " ms");
                    assertEquals(0, TestDatabase.keyRows(ACME, keys.get(i)), "nothing stored for a shed request");
                    shed.add(keys.get(i));
                } else {
                    assertEquals(201, answer.statusCode(), answer.asString());
                    created++;
                }
            }
            assertTrue(created >= 4, "the four admitted at once are served: " + created);
            assertFalse(shed.isEmpty(), "24 at once past a limit of 4: some are shed");
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

    private static boolean servedOrShed(int status) {
        return status == 503 || status == 201;
    }
}
