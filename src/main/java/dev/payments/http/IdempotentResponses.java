package dev.payments.http;

import dev.payments.idempotency.IdempotentRequests;
import dev.payments.problem.Problem;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.Supplier;

/** How every idempotent POST answers: the key's answer as HTTP, computed off the event loop. */
public final class IdempotentResponses {

    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private IdempotentResponses() {
    }

    /**
     * Up to here on the event loop, which has read the whole body already; the work blocks, so it
     * runs on a worker thread. (A blocking method would instead read the body on the worker,
     * waiting on the event loop for each part: a measurable cost per request.)
     */
    public static Uni<Response> onWorker(Supplier<IdempotentRequests.Result> work) {
        return Uni.createFrom().item(work)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(IdempotentResponses::toResponse);
    }

    /** The key's answer as HTTP: status, body, Location, and Idempotent-Replayed on a replay. */
    public static Response toResponse(IdempotentRequests.Result result) {
        Response.ResponseBuilder response = Response.status(result.status())
                .type(result.status() >= 400 ? Problem.MEDIA_TYPE : MediaType.APPLICATION_JSON)
                .entity(result.body());
        if (result.location() != null) {
            response.header(HttpHeaders.LOCATION, result.location());
        }
        if (result.replayed()) {
            response.header(REPLAYED_HEADER, "true");
        }
        return response.build();
    }
}
