package dev.payments.http;

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
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * Load shedding: at most so many API requests are worked on at once; one more waits a little for a
 * place (at most {@code max-queue-wait}, 50 ms, and at most {@code max-queued-requests} of them),
 * and is otherwise answered 503 {@code service-overloaded} with Retry-After, on the event loop,
 * once its body is read (BodyReader) and before anything is looked up. Past the service's capacity an unbounded queue
 * would only make every answer late (and then time out); refusing the excess keeps the requests
 * that are admitted as fast as at full capacity, and tells the others when to come back. The short
 * wait is for bursts: a collector's pause or a limit that has just come down costs a few
 * milliseconds instead of a 503. The waiter served first is the newest (a LIFO): under a sustained
 * overload the queue never empties, and in arrival order every request served would have waited
 * the whole 50 ms; newest first, most are served at once and the oldest are the ones refused.
 * Nothing is stored for a refused request, so its retry with the same key is a first attempt. The
 * management interface (health, metrics) is never shed.
 *
 * <p>How many at once ({@code payments.overload.*}): by default a limit that follows latency, with
 * Netflix's concurrency-limits, one for writes and one for reads, each between a floor and a
 * ceiling. Gradient2 (the default) compares the latest requests' latency with its long-run average:
 * a sudden slowdown (a queue forming, the database or the processor slower) brings the limit down at
 * once, and as the average catches up, or the requests get fast again, it goes back up. Vegas (writes
 * only; {@code vegas}) compares it with the fastest lately, so it keeps the queue inside the service
 * short and the latency under overload low, but it also reads a machine's jitter as a queue and sheds
 * more at normal load. Only first attempts that succeeded are samples: a replay is answered from its
 * key in a millisecond and would pass for the fastest work, and a 4xx says nothing of it. A 100 ms
 * processor makes 100 ms the normal, so the limit stays high for a load that waits on the network
 * rather than on the CPU. Latency is measured from the place being given, so the wait for it is not
 * counted as work.
 */
@ApplicationScoped
public class LoadShedding {

    /** Once BodyReader has the whole body: a request holds a place only while it is worked on. */
    private static final int ORDER = BodyReader.ORDER + 1;

    private final ProblemMapper problems;
    private final long maxWaitMillis;
    private final int maxQueued;
    private final Gate writes;
    private final Gate reads;
    private final Counter shed;

    LoadShedding(ProblemMapper problems, OverloadConfig overload, MeterRegistry registry) {
        this.problems = problems;
        this.maxWaitMillis = overload.maxQueueWait().toMillis();
        this.maxQueued = overload.maxQueuedRequests();
        this.writes = new Gate("writes", switch (overload.limit()) {
            case FIXED -> FixedLimit.of(overload.maxConcurrentRequests());
            case VEGAS -> vegas(overload);
            case GRADIENT -> gradient(overload);
        }, registry);
        this.reads = new Gate("reads", overload.limit() == OverloadConfig.Limit.FIXED
                ? FixedLimit.of(overload.maxConcurrentRequests())
                : gradient(overload), registry);
        this.shed = Counter.builder("payments.http.shed")
                .description("Requests refused with 503 service-overloaded: the service was at its concurrency limit")
                .register(registry);
        Gauge.builder("payments.http.in.flight", this, s -> s.writes.limiter.getInflight() + s.reads.limiter.getInflight())
                .description("API requests being worked on").register(registry);
        Gauge.builder("payments.http.queued", this, s -> s.writes.queued.get() + s.reads.queued.get())
                .description("API requests waiting for a place under the concurrency limit").register(registry);
    }

    private static Limit vegas(OverloadConfig overload) {
        int floor = floor(overload);
        IntUnaryOperator log10 = Log10RootIntFunction.create(0);
        return VegasLimit.newBuilder()
                .initialLimit(overload.maxConcurrentRequests())
                .maxConcurrency(overload.maxConcurrentRequests())
                .decreaseFunction(limit -> Math.max(floor, limit - log10.applyAsInt((int) limit)))
                .build();
    }

    private static Limit gradient(OverloadConfig overload) {
        return Gradient2Limit.newBuilder()
                .initialLimit(overload.maxConcurrentRequests())
                .minLimit(floor(overload))
                .maxConcurrency(overload.maxConcurrentRequests())
                .build();
    }

    private static int floor(OverloadConfig overload) {
        return Math.min(overload.minConcurrentRequests(), overload.maxConcurrentRequests());
    }

    void publicPort(@Observes Router router) {
        router.route().order(ORDER).handler(this::admit);
    }

    private void admit(RoutingContext context) {
        HttpMethod method = context.request().method();
        (method == HttpMethod.GET || method == HttpMethod.HEAD ? reads : writes).admit(context);
    }

    private void refuse(RoutingContext context) {
        shed.increment();
        ProblemException overloaded = Problems.overloaded();
        overloaded.headers().forEach(context.response()::putHeader);
        context.response()
                .setStatusCode(overloaded.problem().status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end(problems.write(overloaded.problem()));
    }

    /** One limit and the requests waiting for a place under it. */
    private final class Gate {
        final SimpleLimiter<Void> limiter;
        final ConcurrentLinkedDeque<Waiter> waiting = new ConcurrentLinkedDeque<>();
        final AtomicInteger queued = new AtomicInteger();

        Gate(String name, Limit limit, MeterRegistry registry) {
            this.limiter = SimpleLimiter.newBuilder().named(name).limit(limit).build();
            Gauge.builder("payments.http.concurrency.limit", limiter, SimpleLimiter::getLimit).tag("requests", name)
                    .description("API requests allowed at once right now (payments.overload.limit)").register(registry);
        }

        /** Works on the request in a free place, or holds it for one if the queue has room, or refuses it. */
        void admit(RoutingContext context) {
            Optional<Limiter.Listener> place = limiter.acquire(null);
            if (place.isPresent()) {
                work(context, place.get());
            } else if (reserveWait()) {
                hold(context);
            } else {
                refuse(context);
            }
        }

        /** A place in the queue, unless waits are off or max-queued-requests already wait. */
        private boolean reserveWait() {
            if (maxWaitMillis <= 0) {
                return false;
            }
            if (queued.incrementAndGet() > maxQueued) {
                queued.decrementAndGet();
                return false;
            }
            return true;
        }

        /** Runs the request in its place under the limit, and gives the place back (and to a waiter) when it ends. */
        private void work(RoutingContext context, Limiter.Listener place) {
            // called once however the exchange ends: answered, failed, or the client gone
            context.addEndHandler(ended -> {
                HttpServerResponse response = context.response();
                int status = response.getStatusCode();
                if (status == 503 || status == 504) {
                    place.onDropped(); // the database or the processor could not keep up
                } else if (ended.succeeded() && status < 300 && response.headers().get(IdempotentResponses.REPLAYED_HEADER) == null) {
                    place.onSuccess(); // work done: its time is a sample
                } else {
                    place.onIgnore(); // a replay, a refusal, the client gone: its time says nothing of the work
                }
                handOver();
            });
            context.next();
        }

        /** Holds the request until a place frees or the wait is up. */
        private void hold(RoutingContext context) {
            Waiter waiter = new Waiter(context, Vertx.currentContext());
            // the timer runs on this request's event loop, as the refusal must
            waiter.timer = context.vertx().setTimer(maxWaitMillis, id -> {
                if (waiter.settle()) {
                    waiting.remove(waiter);
                    if (!context.response().closed()) {
                        refuse(context);
                    }
                }
            });
            waiting.offerLast(waiter);
            handOver(); // a place may have freed between the refusal to acquire and the offer
        }

        /**
         * Gives free places to the newest waiters. Called after each place is given back and after each
         * wait begins: whichever comes second finds the other, so no waiter sits beside a free place.
         */
        private void handOver() {
            while (!waiting.isEmpty()) {
                Optional<Limiter.Listener> place = limiter.acquire(null);
                if (place.isEmpty()) {
                    return;
                }
                Waiter next = waiting.pollLast();
                if (next == null) {
                    place.get().onIgnore();
                    return;
                }
                if (!next.settle()) {
                    place.get().onIgnore(); // its wait was up a moment ago: refused, not worked on
                    continue;
                }
                next.loop.runOnContext(ignored -> {
                    next.context.vertx().cancelTimer(next.timer);
                    if (next.context.response().closed()) {
                        place.get().onIgnore(); // the client gave up while it waited
                        handOver();
                    } else {
                        work(next.context, place.get());
                    }
                });
            }
        }

        private final class Waiter {
            final RoutingContext context;
            final Context loop;
            final AtomicBoolean settled = new AtomicBoolean();
            volatile long timer;

            Waiter(RoutingContext context, Context loop) {
                this.context = context;
                this.loop = loop;
            }

            /** True for the one caller that ends this wait, by a place or by the time being up. */
            boolean settle() {
                if (settled.compareAndSet(false, true)) {
                    queued.decrementAndGet();
                    return true;
                }
                return false;
            }
        }
    }
}
