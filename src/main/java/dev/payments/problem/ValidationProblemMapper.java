package dev.payments.problem;

import dev.payments.problem.Problem.FieldError;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.core.Response;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Bean Validation failures: 400 with every offending field by its JSON name, in a stable order. */
public class ValidationProblemMapper {

    private final ProblemMapper problems;

    ValidationProblemMapper(ProblemMapper problems) {
        this.problems = problems;
    }

    @ServerExceptionMapper
    public Response invalidFields(ConstraintViolationException e) {
        List<FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new FieldError(fieldName(v), v.getMessage()))
                .sorted(Comparator.comparing(FieldError::field).thenComparing(FieldError::message))
                .toList();
        return problems.toResponse(Problems.validation(errors));
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
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

}
