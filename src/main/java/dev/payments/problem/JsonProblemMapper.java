package dev.payments.problem;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import dev.payments.json.StorableText;
import dev.payments.json.UnstorableTextException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A body that is not the JSON we accept: 400, naming the field where one can be named (the JSON
 * path, snake_case as sent), else the line and column.
 */
public class JsonProblemMapper {

    private final ProblemMapper problems;

    JsonProblemMapper(ProblemMapper problems) {
        this.problems = problems;
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e) {
        return problems.toResponse(problemOf(e));
    }

    /** Declared for the subtypes too: Quarkus has built-in mappers for them that answer in another format. */
    @ServerExceptionMapper
    public Response unreadableJson(JsonMappingException e) {
        return problems.toResponse(problemOf(e));
    }

    @ServerExceptionMapper
    public Response unreadableJson(MismatchedInputException e) {
        return problems.toResponse(problemOf(e));
    }

    public static ProblemException problemOf(JsonProcessingException e) {
        if (e instanceof UnstorableTextException text) {
            List<JsonMappingException.Reference> path = text.getPath();
            // a bad map key: name the map, not the unprintable key (if the path holds it)
            if (text.inKey() && !path.isEmpty() && path.get(path.size() - 1).getFieldName() != null
                    && StorableText.whyUnstorable(path.get(path.size() - 1).getFieldName()) != null) {
                path = path.subList(0, path.size() - 1);
            }
            String field = jsonPath(path);
            return Problems.validation(field.isEmpty() ? "body" : field, text.getOriginalMessage());
        }
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

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
