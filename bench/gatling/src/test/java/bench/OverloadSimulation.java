package bench;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Creates at constant arrival rates, phase after phase (-Dphases=name:rate:seconds,...; against
 * -DbaseUrl): each request a new Idempotency-Key, sent at its time whether or not earlier ones were
 * answered, so the latencies include any queueing (no coordinated omission). Each request carries
 * the name of the phase it was sent in, so Gatling reports each phase apart. A 201 is OK; anything else, a 503 that sheds
 * load included, is KO with its phase and status ("overload:503"), and a request unanswered within
 * the request timeout (gatling.conf) is KO as a timeout: the OK percentiles are those of the
 * requests served.
 */
public class OverloadSimulation extends Simulation {

    private static final String BASE_URL = System.getProperty("baseUrl", "http://127.0.0.1:8080");
    private static final String PHASES = System.getProperty("phases", "steady:100:30");
    private static final String RUN = System.getProperty("run", String.valueOf(System.currentTimeMillis()));
    private static final String BODY =
            "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\"overload\"}";

    private final HttpProtocolBuilder protocol = http.baseUrl(BASE_URL)
            .header("Authorization", "Bearer sk_test_acme")
            .contentTypeHeader("application/json")
            .shareConnections();

    /** Phase names and when each ends, in nanoseconds from the first request. */
    private final List<String> names = new ArrayList<>();
    private final List<Long> ends = new ArrayList<>();
    private volatile long started;

    {
        List<OpenInjectionStep> steps = new ArrayList<>();
        long end = 0;
        for (String phase : PHASES.split(",")) {
            String[] parts = phase.split(":");
            long seconds = Long.parseLong(parts[2]);
            end += Duration.ofSeconds(seconds).toNanos();
            names.add(parts[0]);
            ends.add(end);
            steps.add(constantUsersPerSec(Double.parseDouble(parts[1])).during(Duration.ofSeconds(seconds)));
        }
        Iterator<Map<String, Object>> keys =
                Stream.generate(() -> Map.<String, Object>of("key", RUN + "-" + UUID.randomUUID())).iterator();
        setUp(scenario("create")
                .feed(keys)
                // one injection profile, its steps back to back: the load never pauses between phases
                .exec(session -> session.set("phase", phaseNow()))
                .exec(http("#{phase}").post("/payments")
                        .header("Idempotency-Key", "#{key}")
                        .body(StringBody(BODY))
                        // a failure's message names the phase it was sent in and the status: "overload:503"
                        .check(status().transformWithSession((code, session) ->
                                code == 201 ? "201" : session.getString("phase") + ":" + code).is("201")))
                .injectOpen(steps))
                .protocols(protocol);
    }

    /** The phase the clock is in: each request is reported under the phase it was sent in. */
    private String phaseNow() {
        long now = System.nanoTime();
        if (started == 0) {
            synchronized (this) {
                if (started == 0) {
                    started = now;
                }
            }
        }
        long elapsed = now - started;
        for (int i = 0; i < ends.size(); i++) {
            if (elapsed < ends.get(i)) {
                return names.get(i);
            }
        }
        return names.get(names.size() - 1);
    }
}
