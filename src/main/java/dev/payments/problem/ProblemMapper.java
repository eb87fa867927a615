package dev.payments.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.DatabaseFailures;
import dev.payments.http.RequestBodyPolicy;
import dev.payments.http.Routes;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Renders every error answer as an RFC 9457 problem, and maps what no other mapper claims: the
 * HTTP layer's own errors, and the last resort. Client mistakes are 4xx with a detail the caller
 * can act on, and nothing internal (stack traces, SQL, Java class names) ever reaches the
 * response. Unexpected failures are logged with an error id that the 500 answer repeats.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    private final ObjectMapper json;
    private final Routes routes;

    public ProblemMapper(ObjectMapper json, Routes routes) {
        this.json = json;
        this.routes = routes;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return toResponse(e);
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, HttpServerRequest request) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ProblemException problem) {
                return toResponse(problem);
            }
            if (cause instanceof JsonProcessingException jsonError) {
                return toResponse(JsonProblemMapper.problemOf(jsonError));
            }
        }
        int status = e.getResponse().getStatus();
        return toResponse(switch (status) {
            case 400 -> Problems.malformedJson("The request body could not be read.");
            case 404 -> otherMethodsOnly(request);
            case 405 -> Problems.methodNotAllowed(routes.allowed(request.path()));
            case 406 -> Problems.notAcceptable();
            case 413 -> Problems.payloadTooLarge(RequestBodyPolicy.MAX_BODY_BYTES);
            case 415 -> Problems.unsupportedMediaType();
            default -> status < 500 ? otherClientError(status) : unexpectedProblem(e);
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

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        return toResponse(unexpectedProblem(e));
    }

    public Response toResponse(ProblemException e) {
        Response.ResponseBuilder response = Response.status(e.problem().status())
                .type(Problem.MEDIA_TYPE)
                .entity(write(e.problem()));
        e.headers().forEach(response::header);
        return response.build();
    }

    /** Serializes a problem the way it is sent, so a stored answer can be replayed byte for byte. */
    public String write(Problem problem) {
        try {
            return json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a problem", e);
        }
    }

    /**
     * The last resort. A database that is not available is a 503 (retrying with the same key is
     * safe); a value PostgreSQL refused is the request's fault, a 400 (nothing was stored: the
     * statement failed and its transaction rolled back); anything else is a bug, a 500.
     */
    private static ProblemException unexpectedProblem(Throwable e) {
        if (DatabaseFailures.isUnavailable(e)) {
            LOG.warnf("database unavailable: %s", e.toString());
            return Problems.serviceUnavailable();
        }
        if (DatabaseFailures.isDataException(e)) {
            LOG.infof("a request value was refused by the database: %s", e.toString());
            return Problems.unstorableValue();
        }
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s", errorId);
        return Problems.internalError(errorId);
    }
}
