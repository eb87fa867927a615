package dev.payments.http;

import static dev.payments.http.AdaptiveLoadSheddingTest.CEILING;
import static dev.payments.http.AdaptiveLoadSheddingTest.FLOOR;
import static dev.payments.http.AdaptiveLoadSheddingTest.LIMIT;
import static dev.payments.http.AdaptiveLoadSheddingTest.adaptive;
import static dev.payments.http.AdaptiveLoadSheddingTest.createOneAtATime;
import static dev.payments.http.AdaptiveLoadSheddingTest.fastBursts;
import static dev.payments.http.AdaptiveLoadSheddingTest.fastBurstsUntil;
import static dev.payments.http.AdaptiveLoadSheddingTest.slowBursts;
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
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Vegas limit on writes ({@code payments.overload.limit=vegas}): when creates get much slower than the fastest seen lately it
 * comes down toward its floor, and bursts past it are shed (after their wait for a place); when the
 * creates are fast again it rises. Vegas reads a burst's own queueing as a queue, so under bursts it
 * settles below its ceiling rather than at it (gradient's test asks for the ceiling). Real
 * concurrent requests, the processor simulator made slow and fast again.
 */
@QuarkusTest
@TestProfile(VegasLoadSheddingTest.Vegas.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class VegasLoadSheddingTest {

    public static class Vegas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return adaptive("vegas");
        }
    }

    @AfterEach
    void ledgerHolds() throws InterruptedException {
        Simulator.shared().latency(0);
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(30));
    }

    @Test
    void theLimitFallsWhenCreatesSlowDownAndRisesWhenTheyAreFastAgain() throws Exception {
        createOneAtATime();
        double start = metric(LIMIT);
        assertTrue(start > FLOOR, "one at a time, fast: no queue, the limit well above its floor: " + start);

        ExecutorService clients = Executors.newFixedThreadPool(CEILING);
        try {
            // Vegas takes the fastest sample it has seen as no load, and counts only the samples of
            // requests that found others in flight: creates one at a time may teach it nothing, and
            // then the first slow burst is its "fastest" and nothing looks slower. Fast bursts first
            // give it a fast reference, as a service that was fast before a slowdown has. It also resets
            // that reference to the latest sample now and then (its probe); one that lands on a slow
            // create makes slow the new normal and the limit climbs back. So: fast, then slow until the
            // limit is down and bursts have met it; again, at most three times, if a probe got in the way.
            AdaptiveLoadSheddingTest.Bursts slow = new AdaptiveLoadSheddingTest.Bursts(0, 0);
            double down = metric(LIMIT);
            for (int attempt = 1; attempt <= 3; attempt++) {
                fastBursts(clients, 3);
                slow = new AdaptiveLoadSheddingTest.Bursts(0, 0);
                while ((slow.shed() == 0 || metric(LIMIT) > 2 * FLOOR) && slow.waves() < 20) {
                    slow = slow.plus(slowBursts(clients, 1));
                }
                down = metric(LIMIT);
                if (down <= 2 * FLOOR && slow.shed() > 0) {
                    break;
                }
                System.out.printf("[load shedding] vegas at %.0f after %d slow bursts (%d shed): its probe took a slow "
                        + "create as the fastest; fast again, then slow again%n", down, slow.waves(), slow.shed());
            }
            double slowed = down;
            assertTrue(slowed <= 2 * FLOOR && slowed >= FLOOR, "100 times slower: the limit came down, from " + start + " to " + slowed);
            assertTrue(slow.shed() > 0, "bursts of " + CEILING + " past a lower limit and its 50 ms wait: some are shed");

            AdaptiveLoadSheddingTest.Bursts fast = fastBurstsUntil(clients, limit -> limit > slowed + 2);
            double limit = metric(LIMIT);
            System.out.printf("[load shedding] vegas %.0f, %.0f after %d slow bursts (%d shed), %.0f after %d fast ones%n",
                    start, slowed, slow.waves(), slow.shed(), limit, fast.waves());
            assertTrue(limit > slowed + 2, "fast again: the limit rises, from " + slowed + " to " + limit);
        } finally {
            clients.shutdownNow();
        }
    }
}
