package dev.payments.http;

import dev.payments.problem.Problem;
import dev.payments.problem.ProblemException;
import dev.payments.problem.ProblemMapper;
import dev.payments.problem.Problems;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Reads the whole request body, at most 16 KiB, within {@code payments.overload.body-read-timeout}
 * (5 s) of the request's headers, on the event loop and before {@link LoadShedding} gives the
 * request a place: a client that sends its body a byte at a time holds a connection, never a place
 * others need. Past the deadline it is answered 408 {@code request-timeout} and its connection
 * closed; a body over the limit 413 {@code payload-too-large} (at once when Content-Length says so).
 * Either way nothing was done, and the key is not used up. The body is then the routing context's,
 * where the REST layer reads it from, as it does after Vert.x web's own BodyHandler.
 */
@ApplicationScoped
public class BodyReader {

    /** A payment request is a few hundred bytes: the limit keeps a client bug or an attack from costing memory. */
    public static final long MAX_BODY_BYTES = 16 * 1024;

    /** After HttpPolicy's routes, before LoadShedding's. */
    static final int ORDER = Integer.MIN_VALUE + 101;

    private final ProblemMapper problems;
    private final long deadlineMillis;

    BodyReader(ProblemMapper problems, OverloadConfig overload) {
        this.problems = problems;
        this.deadlineMillis = overload.bodyReadTimeout().toMillis();
    }

    void publicPort(@Observes Router router) {
        router.route().order(ORDER).handler(this::read);
    }

    private void read(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (request.isEnded()) {
            context.next(); // no body (a GET), or nothing left to read
            return;
        }
        if (declaredLength(request) > BodyReader.MAX_BODY_BYTES) {
            refuse(context, Problems.payloadTooLarge(BodyReader.MAX_BODY_BYTES));
            return;
        }
        new Reading(context).start();
    }

    /** One body being read: ends once, by its last byte, by the deadline, by the limit or by the client going. */
    private final class Reading {
        final RoutingContext context;
        final Buffer body = Buffer.buffer();
        long timer;
        boolean ended; // touched only on the request's event loop

        Reading(RoutingContext context) {
            this.context = context;
        }

        void start() {
            HttpServerRequest request = context.request();
            timer = context.vertx().setTimer(deadlineMillis, id -> end(Problems.requestTimeout(deadlineMillis / 1000)));
            request.handler(chunk -> {
                if (body.length() + chunk.length() > BodyReader.MAX_BODY_BYTES) {
                    end(Problems.payloadTooLarge(BodyReader.MAX_BODY_BYTES));
                } else if (!ended) {
                    body.appendBuffer(chunk);
                }
            });
            request.endHandler(last -> {
                if (settle()) {
                    ((RoutingContextInternal) context).setBody(body);
                    context.next();
                }
            });
            request.exceptionHandler(failure -> settle()); // the client went: nothing to answer
            if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
                request.response().writeContinue();
            }
            request.resume(); // the router holds a request's body back until a handler asks for it
        }

        private void end(ProblemException problem) {
            if (settle()) {
                refuse(context, problem);
            }
        }

        private boolean settle() {
            if (ended) {
                return false;
            }
            ended = true;
            context.vertx().cancelTimer(timer);
            return true;
        }
    }

    private static long declaredLength(HttpServerRequest request) {
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        try {
            return declared == null ? -1 : Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            return -1; // Vert.x has already refused a malformed Content-Length
        }
    }

    /** Answers and closes the connection: the rest of the body is not read, so it cannot carry another request. */
    private void refuse(RoutingContext context, ProblemException problem) {
        if (context.response().ended() || context.response().closed()) {
            return;
        }
        context.response()
                .setStatusCode(problem.problem().status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
                .end(problems.write(problem.problem()))
                .onComplete(written -> {
                    if (context.request().version() != HttpVersion.HTTP_2) {
                        context.request().connection().close(); // HTTP/2 ends just this stream
                    }
                });
    }
}
