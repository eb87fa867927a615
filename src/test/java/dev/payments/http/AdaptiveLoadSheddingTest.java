package dev.payments.http;

import static dev.payments.testsupport.Api.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.ProcessorInvariants;
import dev.payments.testsupport.Simulator;
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
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gradient limit (the default): when the requests get much slower than they have been, the
 * limit comes down from its ceiling, and the excess of a burst is shed; when they are fast again and
 * the bursts keep coming, it goes back up to the ceiling. Real concurrent requests, the processor
 * simulator made slow and fast again; the limit read from the service's metrics.
 */
@QuarkusTest
@TestProfile(AdaptiveLoadSheddingTest.Adaptive.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class AdaptiveLoadSheddingTest {

    static final int CEILING = 32;
    static final int FLOOR = 4;
    static final String LIMIT = "payments_http_concurrency_limit{requests=\"writes\"}";

    public static class Adaptive implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return adaptive("gradient");
        }
    }

    /** The settings of an adaptive-limit test: this algorithm between FLOOR and CEILING. */
    static Map<String, String> adaptive(String limit) {
        // one merchant is the whole load here: its share is every place
        return Map.of("payments.overload.limit", limit,
                "payments.overload.max-concurrent-requests", String.valueOf(CEILING),
                "payments.overload.max-concurrent-requests-per-merchant", String.valueOf(CEILING),
                "payments.overload.min-concurrent-requests", String.valueOf(FLOOR));
    }

    /** What fast is: creates one at a time with an instant processor, which the limit samples. */
    static void createOneAtATime() {
        for (int i = 0; i < 60; i++) {
            create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        }
    }

    @AfterEach
    void ledgerHolds() throws InterruptedException {
        Simulator.shared().latency(0);
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(30));
    }

    @Test
    void theLimitFallsWhenRequestsSlowDownAndRisesAgainWhenTheyAreFast() throws Exception {
        createOneAtATime();
        assertEquals(CEILING, metric(LIMIT), "it starts at its ceiling");

        ExecutorService clients = Executors.newFixedThreadPool(CEILING);
        try {
            Bursts slow = slowBursts(clients);
            double slowed = metric(LIMIT);
            assertTrue(slowed <= 2 * FLOOR && slowed >= FLOOR, "100 times slower: the limit came down, to " + slowed);
            assertTrue(slow.shed() > 0, "bursts of " + CEILING + " past a lower limit: some are shed");

            Bursts fast = fastBurstsUntil(clients, limit -> limit >= CEILING);
            double limit = metric(LIMIT);
            System.out.printf("[load shedding] adaptive limit %d, %.0f after %d slow bursts (%d shed), %.0f after %d fast ones%n",
                    CEILING, slowed, slow.waves(), slow.shed(), limit, fast.waves());
            assertEquals(CEILING, limit, "fast again under bursts: back at the ceiling");
        } finally {
            clients.shutdownNow();
        }
    }

    /** How many bursts it took, and how many of their requests were shed. */
    record Bursts(int waves, int shed) {
        Bursts plus(Bursts more) {
            return new Bursts(waves + more.waves, shed + more.shed);
        }
    }

    /** Bursts with the processor 100 times slower (300 ms) until the limit is down to twice its floor (at most 60). */
    static Bursts slowBursts(ExecutorService clients) throws Exception {
        return burstsUntil(clients, 300, 60, limit -> limit <= 2 * FLOOR);
    }

    /** Bursts with the processor fast again until the limit has {@code risen} (at most 60). */
    static Bursts fastBurstsUntil(ExecutorService clients, DoublePredicate risen) throws Exception {
        return burstsUntil(clients, 0, 60, risen);
    }

    /** This many bursts with the processor 100 times slower, whatever the limit does. */
    static Bursts slowBursts(ExecutorService clients, int waves) throws Exception {
        return burstsUntil(clients, 300, waves, limit -> false);
    }

    /** This many bursts with the processor fast: samples the limit counts, so it has seen what fast is. */
    static Bursts fastBursts(ExecutorService clients, int waves) throws Exception {
        return burstsUntil(clients, 0, waves, limit -> false);
    }

    private static Bursts burstsUntil(ExecutorService clients, int processorMillis, int maxWaves, DoublePredicate reached)
            throws Exception {
        Simulator.shared().latency(processorMillis);
        int waves = 0;
        int shed = 0;
        while (waves < maxWaves && !reached.test(metric(LIMIT))) {
            shed += burst(clients);
            waves++;
        }
        return new Bursts(waves, shed);
    }

    /**
     * CEILING creates at once, released together by a barrier (a limit counts only the samples of a
     * request that found others in flight, so a burst spread out by slow client threads would teach it
     * nothing); each a 201 or a quick 503 service-overloaded. Returns how many were shed.
     */
    private static int burst(ExecutorService clients) throws Exception {
        CyclicBarrier together = new CyclicBarrier(CEILING);
        List<Future<Response>> answers = new ArrayList<>();
        for (int i = 0; i < CEILING; i++) {
            answers.add(clients.submit(() -> {
                together.await(10, TimeUnit.SECONDS);
                return create(ACME_KEY, newKey(), visa());
            }));
        }
        int shed = 0;
        for (Future<Response> answer : answers) {
            Response response = answer.get(30, TimeUnit.SECONDS);
            if (response.statusCode() == 503) {
                assertTrue(response.path("type").toString().endsWith("/service-overloaded"), response.asString());
                shed++;
            } else {
                assertEquals(201, response.statusCode(), response.asString());
            }
        }
        return shed;
    }
}
