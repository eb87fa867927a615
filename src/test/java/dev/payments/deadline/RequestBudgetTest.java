package dev.payments.deadline;

import static org.junit.jupiter.api.Assertions.*;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The time limits derived from the request deadline, read through the real configuration mapping
 * by their property names, and the start-up check that refuses a combination that cannot hold.
 */
class RequestBudgetTest {

    /** The pool's and the driver's settings as application.properties has them. */
    private static final Duration CONNECTION_WAIT = Duration.ofSeconds(1);
    private static final int SOCKET_TIMEOUT_SECONDS = 3;

    @Test
    void theDefaultsDeriveFromFiveSecondsAndHoldTogether() {
        RequestBudget budget = budget(Map.of());
        assertEquals(Duration.ofSeconds(2), budget.databaseLock());
        assertEquals(Duration.ofMillis(2500), budget.statement());
        assertEquals(Duration.ofSeconds(2), budget.processorCall());
        assertEquals(Duration.ofSeconds(5), budget.concurrentWait());
        assertEquals(List.of(), budget.contradictions());
        budget.refuseContradictions(null);
        Duration work = budget.start().remaining();
        assertTrue(work.compareTo(Duration.ofMillis(4700)) <= 0 && work.compareTo(Duration.ofMillis(4600)) > 0,
                "the work ends 300 ms before the answer's deadline, kept for answering: " + work);
    }

    @Test
    void aLongerDeadlineLengthensWhatIsNotSetWithinTheSocketTimeout() {
        RequestBudget budget = budget(Map.of("payments.request-deadline", "10s", "payments.database.lock-timeout", "1s"));
        assertEquals(Duration.ofSeconds(1), budget.databaseLock(), "set: kept");
        assertEquals(Duration.ofMillis(2500), budget.statement(), "derived: half the deadline, but inside the 3s socket timeout");
        assertEquals(Duration.ofSeconds(4), budget.processorCall(), "derived: two fifths of the deadline");
        assertEquals(Duration.ofSeconds(10), budget.concurrentWait());
        assertEquals(List.of(), budget.contradictions());
    }

    @Test
    void aStatementTimeoutPastTheSocketTimeoutIsRefused() {
        RequestBudget budget = budget(Map.of("payments.request-deadline", "10s", "payments.database.statement-timeout", "5s"));
        // a 5s statement outlives the 3s socket timeout: the client would give up on a live server first
        assertTrue(budget.contradictions().stream().anyMatch(c -> c.contains("socketTimeout")), budget.contradictions()::toString);
    }

    @Test
    void aProcessorTimeoutThatCannotFitRefusesToStart() {
        RequestBudget budget = budget(Map.of("payments.processor.timeout", "4s"));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> budget.refuseContradictions(null));
        assertTrue(refused.getMessage().contains("payments.processor.timeout (PT4S)"), refused.getMessage());
        assertTrue(refused.getMessage().contains("payments.request-deadline (PT5S)"), refused.getMessage());
    }

    @Test
    void eachContradictionIsNamed() {
        Map<String, String> settings = new HashMap<>();
        settings.put("payments.database.lock-timeout", "2500ms");
        settings.put("payments.idempotency.lock-timeout", "6s");
        List<String> broken = budget(settings).contradictions();
        assertEquals(2, broken.size(), broken::toString);
        assertTrue(broken.get(0).startsWith("payments.database.lock-timeout (PT2.5S) must be shorter than "
                + "payments.database.statement-timeout (PT2.5S)"), broken.get(0));
        assertTrue(broken.get(1).startsWith("payments.idempotency.lock-timeout (PT6S) must not exceed"), broken.get(1));
    }

    @Test
    void aPoolWaitAndSocketTimeoutPastTheDeadlineAreRefused() {
        TimeLimits config = config(Map.of());
        RequestBudget budget = new RequestBudget(config, Duration.ofSeconds(3), SOCKET_TIMEOUT_SECONDS);
        assertTrue(budget.contradictions().stream().anyMatch(c -> c.startsWith("quarkus.datasource.jdbc.acquisition-timeout")),
                budget.contradictions()::toString);
    }

    private static RequestBudget budget(Map<String, String> settings) {
        return new RequestBudget(config(settings), CONNECTION_WAIT, SOCKET_TIMEOUT_SECONDS);
    }

    private static TimeLimits config(Map<String, String> settings) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(TimeLimits.class)
                .withSources(new PropertiesConfigSource(settings, "test", 500))
                .withConverter(Duration.class, 100, new DurationConverter())
                .addDefaultInterceptors()
                .build();
        return config.getConfigMapping(TimeLimits.class);
    }
}
