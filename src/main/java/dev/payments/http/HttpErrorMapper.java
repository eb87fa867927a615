package dev.payments.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.payments.problem.JsonProblemMapper;
import dev.payments.problem.Problem;
import dev.payments.problem.ProblemException;
import dev.payments.problem.ProblemMapper;
import dev.payments.problem.Problems;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The HTTP layer's own errors as problems: a body that cannot be read, no such route, a method the
 * route does not have (with the Allow header the routes give), what cannot be produced or consumed,
 * a body too large.
 */
public class HttpErrorMapper {

    private final ProblemMapper problems;
    private final Routes routes;

    HttpErrorMapper(ProblemMapper problems, Routes routes) {
        this.problems = problems;
        this.routes = routes;
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, HttpServerRequest request) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ProblemException problem) {
                return problems.toResponse(problem);
            }
            if (cause instanceof JsonProcessingException jsonError) {
                return problems.toResponse(JsonProblemMapper.problemOf(jsonError));
            }
        }
        int status = e.getResponse().getStatus();
        return problems.toResponse(switch (status) {
            case 400 -> Problems.malformedJson("The request body could not be read.");
            case 404 -> otherMethodsOnly(request);
            case 405 -> Problems.methodNotAllowed(routes.allowed(request.path()));
            case 406 -> Problems.notAcceptable();
            case 413 -> Problems.payloadTooLarge(BodyReader.MAX_BODY_BYTES);
            case 415 -> Problems.unsupportedMediaType();
            default -> status < 500 ? otherClientError(status) : ProblemMapper.unexpectedProblem(e);
        });
    }

    /**
     * A 404 from routing whose path is one of ours with other methods is a 405: RESTEasy answers 404
     * when the path is matched by a resource class other than the one that has it
     * (/payments/{id}/refunds, say).
     */
    private ProblemException otherMethodsOnly(HttpServerRequest request) {
        String allowed = routes.allowed(request.path());
        return allowed != null && !List.of(allowed.split(", ")).contains(request.method().name())
                ? Problems.methodNotAllowed(allowed)
                : Problems.notFound("There is no resource at this path.");
    }

    private static ProblemException otherClientError(int status) {
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "Client error" : known.getReasonPhrase();
        return new ProblemException(Problem.of("http-" + status, title, status, "The request cannot be processed."));
    }
}
