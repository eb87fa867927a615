package dev.payments.problem;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import dev.payments.problem.Problem.FieldError;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import io.vertx.core.http.HttpServerRequest;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.exception.JDBCConnectionException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where failures become HTTP answers: every error is an RFC 9457 problem, client
 * mistakes are 4xx with a detail the caller can act on, and nothing internal (stack traces, SQL,
 * Java class names) ever reaches the response. Unexpected failures are logged with an error id
 * that the 500 answer repeats.
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
    public Response invalidFields(ConstraintViolationException e) {
        List<FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new FieldError(fieldName(v), v.getMessage()))
                .sorted(Comparator.comparing(FieldError::field).thenComparing(FieldError::message))
                .toList();
        return toResponse(Problems.validation(errors));
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e) {
        return toResponse(jsonProblem(e));
    }

    /** Declared for the subtypes too: Quarkus has built-in mappers for them that answer in another format. */
    @ServerExceptionMapper
    public Response unreadableJson(JsonMappingException e) {
        return toResponse(jsonProblem(e));
    }

    @ServerExceptionMapper
    public Response unreadableJson(MismatchedInputException e) {
        return toResponse(jsonProblem(e));
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, HttpServerRequest request) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ProblemException problem) {
                return toResponse(problem);
            }
            if (cause instanceof JsonProcessingException jsonError) {
                return toResponse(jsonProblem(jsonError));
            }
        }
        int status = e.getResponse().getStatus();
        return toResponse(switch (status) {
            case 400 -> Problems.malformedJson("The request body could not be read.");
            case 404 -> Problems.notFound("There is no resource at this path.");
            case 405 -> Problems.methodNotAllowed(allowedMethods(request.path()));
            case 406 -> Problems.notAcceptable();
            case 413 -> Problems.payloadTooLarge(RequestBodyPolicy.MAX_BODY_BYTES);
            case 415 -> Problems.unsupportedMediaType();
            default -> status < 500 ? otherClientError(status) : unexpectedProblem(e);
        });
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

    /** The Allow header of a 405 (RFC 9110 requires it); RESTEasy does not supply it. */
    private static String allowedMethods(String path) {
        return path.equals("/payments") || path.equals("/payments/") ? "GET, POST" : "GET";
    }

    private ProblemException unexpectedProblem(Throwable e) {
        if (isDatabaseUnavailable(e)) {
            LOG.warnf("database unavailable: %s", e.toString());
            return Problems.serviceUnavailable();
        }
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s", errorId);
        return Problems.internalError(errorId);
    }

    /**
     * Connection failures (SQLSTATE class 08), a server shutting down (57P0x) or out of resources
     * (53), no pooled connection in time, or a commit whose outcome the transaction manager could not
     * learn (the database stopped answering mid-commit; it may or may not have committed). All of
     * these are answered 503: the request is safe to retry with the same key, which tells the truth.
     */
    static boolean isDatabaseUnavailable(Throwable e) {
        return anyCause(e, cause -> {
            if (cause instanceof JDBCConnectionException || cause instanceof jakarta.transaction.RollbackException
                    || cause instanceof jakarta.transaction.HeuristicMixedException
                    || cause instanceof jakarta.transaction.HeuristicRollbackException
                    || cause instanceof jakarta.transaction.SystemException
                    || cause instanceof java.net.SocketException || cause instanceof java.net.SocketTimeoutException) {
                return true;
            }
            // Hibernate's fixed wording when the pool gives no connection, whatever the driver said
            // (a connect attempt to a frozen server ends as "Interrupted while attempting to connect")
            if (cause instanceof org.hibernate.JDBCException jdbc && jdbc.getMessage() != null
                    && jdbc.getMessage().startsWith("Unable to acquire JDBC Connection")) {
                return true;
            }
            if (cause instanceof SQLException sql) {
                String state = sql.getSQLState() == null ? "" : sql.getSQLState();
                String message = sql.getMessage() == null ? "" : sql.getMessage().toLowerCase(java.util.Locale.ROOT);
                // Agroal: no connection within quarkus.datasource.jdbc.acquisition-timeout
                return state.startsWith("08") || state.startsWith("57P0") || state.startsWith("53")
                        || message.contains("acquisition timeout");
            }
            return false;
        }, 0);
    }

    /** Walks causes and suppressed exceptions (the transaction manager reports commit failures there). */
    private static boolean anyCause(Throwable e, java.util.function.Predicate<Throwable> test, int depth) {
        if (e == null || depth > 16) {
            return false;
        }
        if (test.test(e)) {
            return true;
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (anyCause(suppressed, test, depth + 1)) {
                return true;
            }
        }
        return e.getCause() != e && anyCause(e.getCause(), test, depth + 1);
    }

    private static ProblemException jsonProblem(JsonProcessingException e) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = jsonPath(mapping.getPath());
            if (e instanceof PropertyBindingException) {
                return Problems.validation(field, "unknown field");
            }
            if (e instanceof MismatchedInputException mismatch) {
                return Problems.validation(field, expected(mismatch.getTargetType()));
            }
            if (rootCause(e) instanceof InputCoercionException) {
                return Problems.validation(field, "number is out of range");
            }
            return Problems.validation(field, "has an invalid value");
        }
        if (e instanceof MismatchedInputException mismatch) {
            return mismatch.getTargetType() != null && mismatch.getTargetType().isRecord()
                    ? Problems.malformedJson("The request body must be a JSON object.")
                    : Problems.malformedJson("The request body is not valid JSON.");
        }
        JsonLocation at = e.getLocation();
        return Problems.malformedJson(at == null || at.getLineNr() < 1
                ? "The request body is not valid JSON."
                : "The request body is not valid JSON (line " + at.getLineNr() + ", column " + at.getColumnNr() + ").");
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "has the wrong type";
        }
        if (type == Long.class || type == long.class || type == Integer.class || type == int.class) {
            return "must be an integer";
        }
        if (type == String.class) {
            return "must be a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "must be true or false";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "must be an object";
        }
        return "has the wrong type";
    }

    private static String jsonPath(List<JsonMappingException.Reference> path) {
        StringBuilder field = new StringBuilder();
        for (JsonMappingException.Reference ref : path) {
            if (ref.getFieldName() != null) {
                if (field.length() > 0) {
                    field.append('.');
                }
                field.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                field.append('[').append(ref.getIndex()).append(']');
            }
        }
        return field.toString();
    }

    /** The JSON name of a violated property: method and parameter nodes dropped, map keys in brackets. */
    private static String fieldName(ConstraintViolation<?> violation) {
        StringBuilder field = new StringBuilder();
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == ElementKind.METHOD || node.getKind() == ElementKind.PARAMETER
                    || node.getKind() == ElementKind.CROSS_PARAMETER) {
                continue;
            }
            if (node.getKind() == ElementKind.CONTAINER_ELEMENT) {
                if (node.getKey() != null && !node.getKey().toString().isEmpty()) {
                    field.append('.').append(node.getKey());
                }
                continue;
            }
            if (node.getName() != null) {
                if (field.length() > 0) {
                    field.append('.');
                }
                field.append(snakeCase(node.getName()));
            }
        }
        return field.length() == 0 ? "body" : field.toString();
    }

    static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
