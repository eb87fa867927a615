package dev.payments.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.DatabaseFailures;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Renders every error answer as an RFC 9457 problem, and maps a ProblemException and the last
 * resort (the HTTP layer's own errors are http.HttpErrorMapper's). Client mistakes are 4xx with a
 * detail the caller can act on, and nothing internal (stack traces, SQL, Java class names) ever
 * reaches the response. Unexpected failures are logged with an error id that the 500 answer
 * repeats.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    private final ObjectMapper json;

    public ProblemMapper(ObjectMapper json) {
        this.json = json;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return toResponse(e);
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
    public static ProblemException unexpectedProblem(Throwable e) {
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
