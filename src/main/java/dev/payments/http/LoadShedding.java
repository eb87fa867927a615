package dev.payments.http;

import dev.payments.config.PaymentsConfig;
import dev.payments.problem.Problem;
import dev.payments.problem.ProblemException;
import dev.payments.problem.ProblemMapper;
import dev.payments.problem.Problems;
import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limit.functions.Log10RootIntFunction;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import java.util.function.IntUnaryOperator;

/**
 * Load shedding: at most so many API requests are worked on at once; one more is answered 503
 * {@code service-overloaded} with Retry-After at once, on the event loop, before its body is read or
 * anything is looked up. Past the service's capacity, a queue would only make every answer late
 * (and then time out); refusing the excess keeps the requests that are admitted as fast as at full
 * capacity, and tells the others when to come back. Nothing is stored for a refused request, so its
 * retry with the same key is a first attempt. The management interface (health, metrics) is never
 * shed.
 *
 * <p>How many at once ({@code payments.overload.*}): by default a limit that follows latency, with
 * Netflix's concurrency-limits, one for writes and one for reads, each between a floor and a
 * ceiling. Gradient2 (the default) compares the latest requests' latency with its long-run average:
 * a sudden slowdown (a queue forming, the database or the processor slower) brings the limit down
 * at once, and as the average catches up, or the requests get fast again, it goes back up. Vegas
 * (writes only; {@code vegas}) compares it with the fastest lately, so it keeps the queue itself
 * short: a lower latency under overload, but it also reads a machine's jitter as a queue. Only first
 * attempts that succeeded are samples: a replay is answered from its key in a millisecond and would
 * pass for the fastest work, and a 4xx says nothing of it. A 100 ms processor makes 100 ms the
 * normal, so the limit stays high for a load that waits on the network rather than on the CPU.
 */
@ApplicationScoped
public class LoadShedding {

    /** Right after HttpPolicy's first route (which sets Cache-Control on every answer, this one's too). */
    private static final int ORDER = Integer.MIN_VALUE + 101;

    private final ProblemMapper problems;
    private final SimpleLimiter<Void> writes;
    private final SimpleLimiter<Void> reads;
    private final Counter shed;

    LoadShedding(ProblemMapper problems, PaymentsConfig config, MeterRegistry registry) {
        this.problems = problems;
        PaymentsConfig.Overload overload = config.overload();
        boolean fixed = overload.limit() == PaymentsConfig.Overload.Limit.FIXED;
        this.writes = limiter("writes", switch (overload.limit()) {
            case FIXED -> FixedLimit.of(overload.maxConcurrentRequests());
            case VEGAS -> vegas(overload);
            case GRADIENT -> gradient(overload);
        });
        this.reads = limiter("reads", fixed ? FixedLimit.of(overload.maxConcurrentRequests()) : gradient(overload));
        this.shed = Counter.builder("payments.http.shed")
                .description("Requests refused with 503 service-overloaded: the service was at its concurrency limit")
                .register(registry);
        Gauge.builder("payments.http.in.flight", this, s -> s.writes.getInflight() + s.reads.getInflight())
                .description("API requests being worked on").register(registry);
        for (SimpleLimiter<Void> limiter : List.of(writes, reads)) {
            String kind = limiter == writes ? "writes" : "reads";
            Gauge.builder("payments.http.concurrency.limit", limiter, SimpleLimiter::getLimit).tag("requests", kind)
                    .description("API requests allowed at once right now (payments.overload.limit)").register(registry);
        }
    }

    private static SimpleLimiter<Void> limiter(String name, Limit limit) {
        return SimpleLimiter.newBuilder().named(name).limit(limit).build();
    }

    private static Limit vegas(PaymentsConfig.Overload overload) {
        int floor = floor(overload);
        IntUnaryOperator log10 = Log10RootIntFunction.create(0);
        return VegasLimit.newBuilder()
                .initialLimit(overload.maxConcurrentRequests())
                .maxConcurrency(overload.maxConcurrentRequests())
                .decreaseFunction(limit -> Math.max(floor, limit - log10.applyAsInt((int) limit)))
                .build();
    }

    private static Limit gradient(PaymentsConfig.Overload overload) {
        return Gradient2Limit.newBuilder()
                .initialLimit(overload.maxConcurrentRequests())
                .minLimit(floor(overload))
                .maxConcurrency(overload.maxConcurrentRequests())
                .build();
    }

    private static int floor(PaymentsConfig.Overload overload) {
        return Math.min(overload.minConcurrentRequests(), overload.maxConcurrentRequests());
    }

    void publicPort(@Observes Router router) {
        router.route().order(ORDER).handler(this::admit);
    }

    private void admit(RoutingContext context) {
        HttpMethod method = context.request().method();
        boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
        Optional<Limiter.Listener> admitted = (read ? reads : writes).acquire(null);
        if (admitted.isEmpty()) {
            shed.increment();
            ProblemException overloaded = Problems.overloaded();
            overloaded.headers().forEach(context.response()::putHeader);
            context.response()
                    .setStatusCode(overloaded.problem().status())
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .end(problems.write(overloaded.problem()));
            return;
        }
        Limiter.Listener listener = admitted.get();
        // called once however the exchange ends: answered, failed, or the client gone
        context.addEndHandler(ended -> {
            HttpServerResponse response = context.response();
            int status = response.getStatusCode();
            if (status == 503 || status == 504) {
                listener.onDropped(); // the database or the processor could not keep up
            } else if (ended.succeeded() && status < 300 && response.headers().get(IdempotentResponses.REPLAYED_HEADER) == null) {
                listener.onSuccess(); // work done: its time is a sample
            } else {
                listener.onIgnore(); // a replay, a refusal, the client gone: its time says nothing of the work
            }
        });
        context.next();
    }
}
