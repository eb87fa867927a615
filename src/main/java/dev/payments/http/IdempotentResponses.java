package dev.payments.http;

import dev.payments.deadline.Deadline;
import dev.payments.deadline.RequestBudget;
import dev.payments.idempotency.Outcome;
import dev.payments.idempotency.StillUnknown;
import dev.payments.problem.Problem;
import dev.payments.problem.ProblemException;
import dev.payments.problem.Problems;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.Supplier;

/**
 * How every idempotent POST answers: what the request came to, as HTTP, computed off the event
 * loop, within the request's deadline.
 */
@ApplicationScoped
public class IdempotentResponses {

    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private final RequestBudget budget;

    IdempotentResponses(RequestBudget budget) {
        this.budget = budget;
    }

    /**
     * Up to here on the event loop, which has read the whole body already; the work blocks, so it
     * runs on a worker thread, as the request that must be answered by the deadline starting now.
     * (A blocking method would instead read the body on the worker, waiting on the event loop for
     * each part: a measurable cost per request.)
     */
    public Uni<Response> onWorker(Supplier<Outcome> work) {
        Deadline deadline = budget.start();
        return Uni.createFrom().item(() -> Deadline.within(deadline, work))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(IdempotentResponses::toResponse);
    }

    /**
     * The key's answer as HTTP (status, body, Location, and Idempotent-Replayed on a replay); the
     * other outcomes as their problems.
     */
    public static Response toResponse(Outcome outcome) {
        if (outcome instanceof Outcome.Answered answered) {
            Response.ResponseBuilder response = Response.status(answered.answer().status())
                    .type(answered.answer().status() >= 400 ? Problem.MEDIA_TYPE : MediaType.APPLICATION_JSON)
                    .entity(answered.answer().body());
            if (answered.answer().location() != null) {
                response.header(HttpHeaders.LOCATION, answered.answer().location());
            }
            if (answered.replayed()) {
                response.header(REPLAYED_HEADER, "true");
            }
            return response.build();
        }
        throw problemOf(outcome);
    }

    private static ProblemException problemOf(Outcome outcome) {
        if (outcome instanceof Outcome.KeyReused) {
            return Problems.keyReused();
        }
        if (outcome instanceof Outcome.KeyInUse) {
            return Problems.keyInUse();
        }
        StillUnknown unknown = (StillUnknown) outcome;
        return switch (unknown.operation()) {
            case "create" -> Problems.paymentProcessing(unknown.paymentId());
            case "refund" -> Problems.refundPending(unknown.paymentId(), unknown.resourceId());
            default -> Problems.actionPending(unknown.paymentId(), unknown.operation());
        };
    }
}
