package bench;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A mixed workload at one constant arrival rate (-Drate per second for -DwarmupSeconds and then
 * -Dminutes, against -DbaseUrl), reported minute by minute: each request is named by the minute it
 * was sent in ("m01", "m02", ...; "warmup" before), so Gatling's report has a p99 per minute. The
 * warm-up at the same rate is Gatling's own (its JIT, its connections): without it the first minute's
 * p99 was seconds that the service's samples did not show. 80 % creates (each a new key), 15 % replays of the
 * -Dreplays keys -DreplayPrefix0 ... that the script made before, 5 % first pages of GET /payments.
 * Open model, as OverloadSimulation: a request is sent at its time whether or not earlier ones were
 * answered.
 */
public class SoakSimulation extends Simulation {

    private static final String BASE_URL = System.getProperty("baseUrl", "http://127.0.0.1:8080");
    private static final double RATE = Double.parseDouble(System.getProperty("rate", "100"));
    private static final long MINUTES = Long.parseLong(System.getProperty("minutes", "30"));
    private static final long WARMUP_SECONDS = Long.parseLong(System.getProperty("warmupSeconds", "60"));
    private static final String RUN = System.getProperty("run", String.valueOf(System.currentTimeMillis()));
    private static final String REPLAY_PREFIX = System.getProperty("replayPrefix", "soak-replay-");
    private static final int REPLAYS = Integer.parseInt(System.getProperty("replays", "1000"));
    private static final String BODY =
            "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\"bench\"}";

    private final HttpProtocolBuilder protocol = http.baseUrl(BASE_URL)
            .header("Authorization", "Bearer sk_test_acme")
            .contentTypeHeader("application/json")
            .shareConnections();

    private volatile long started;

    {
        Iterator<Map<String, Object>> keys = Stream.generate(() -> Map.<String, Object>of(
                "key", RUN + "-" + UUID.randomUUID(),
                "replayKey", REPLAY_PREFIX + ThreadLocalRandom.current().nextInt(REPLAYS))).iterator();
        ChainBuilder create = exec(http(session -> minuteNow()).post("/payments")
                .header("Idempotency-Key", "#{key}").body(StringBody(BODY)).check(status().is(201)));
        ChainBuilder replay = exec(http(session -> minuteNow()).post("/payments")
                .header("Idempotency-Key", "#{replayKey}").body(StringBody(BODY)).check(status().is(201)));
        ChainBuilder list = exec(http(session -> minuteNow()).get("/payments").check(status().is(200)));
        setUp(scenario("soak")
                .feed(keys)
                .randomSwitch().on(percent(80).then(create), percent(15).then(replay), percent(5).then(list))
                .injectOpen(constantUsersPerSec(RATE).during(Duration.ofSeconds(WARMUP_SECONDS).plusMinutes(MINUTES))))
                .protocols(protocol);
    }

    /** "warmup" for a request sent in the warm-up, "m01" in the first minute after it, and so on. */
    private String minuteNow() {
        long now = System.nanoTime();
        if (started == 0) {
            synchronized (this) {
                if (started == 0) {
                    started = now;
                }
            }
        }
        Duration load = Duration.ofNanos(now - started).minusSeconds(WARMUP_SECONDS);
        if (load.isNegative()) {
            return "warmup";
        }
        long minute = Math.min(MINUTES, 1 + load.toMinutes());
        return String.format("m%02d", minute);
    }
}
