package dev.payments.http;

import dev.payments.config.PaymentsConfig;
import dev.payments.problem.Problem;
import dev.payments.problem.ProblemException;
import dev.payments.problem.ProblemMapper;
import dev.payments.problem.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.Semaphore;

/**
 * Load shedding: at most {@code payments.overload.max-concurrent-requests} API requests are worked
 * on at once; one more is answered 503 {@code service-overloaded} with Retry-After at once, on the
 * event loop, before its body is read or anything is looked up. Past the service's capacity, a
 * queue would only make every answer late (and then time out); refusing the excess keeps the
 * requests that are admitted as fast as at full capacity, and tells the others when to come back.
 * Nothing is stored for a refused request, so its retry with the same key is a first attempt.
 * The management interface (health, metrics) is never shed.
 */
@ApplicationScoped
public class LoadShedding {

    /** Right after HttpPolicy's first route (which sets Cache-Control on every answer, this one's too). */
    private static final int ORDER = Integer.MIN_VALUE + 101;

    private final ProblemMapper problems;
    private final Semaphore permits;
    private final Counter shed;

    LoadShedding(ProblemMapper problems, PaymentsConfig config, MeterRegistry registry) {
        this.problems = problems;
        int limit = config.overload().maxConcurrentRequests();
        this.permits = new Semaphore(limit);
        this.shed = Counter.builder("payments.http.shed")
                .description("Requests refused with 503 service-overloaded: the service was at its concurrency limit")
                .register(registry);
        Gauge.builder("payments.http.in.flight", permits, p -> limit - p.availablePermits())
                .description("API requests being worked on (the load-shedding limit's use)").register(registry);
    }

    void publicPort(@Observes Router router) {
        router.route().order(ORDER).handler(this::admit);
    }

    private void admit(RoutingContext context) {
        if (!permits.tryAcquire()) {
            shed.increment();
            ProblemException overloaded = Problems.overloaded();
            overloaded.headers().forEach(context.response()::putHeader);
            context.response()
                    .setStatusCode(overloaded.problem().status())
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .end(problems.write(overloaded.problem()));
            return;
        }
        // called once however the exchange ends: answered, failed, or the client gone
        context.addEndHandler(ended -> permits.release());
        context.next();
    }
}
