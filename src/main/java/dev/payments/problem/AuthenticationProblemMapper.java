package dev.payments.problem;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Quarkus Security's verdicts as problems: no credentials (401 with the Bearer challenge), a key
 * that is malformed or unknown (401, {@code error="invalid_token"}), and an endpoint that nobody
 * may call (403; only an endpoint without a security annotation, which is denied by default).
 */
public class AuthenticationProblemMapper {

    private final ProblemMapper problems;

    AuthenticationProblemMapper(ProblemMapper problems) {
        this.problems = problems;
    }

    @ServerExceptionMapper
    public Response invalidCredentials(AuthenticationFailedException e) {
        return problems.toResponse(Problems.unauthorized(true));
    }

    @ServerExceptionMapper
    public Response missingCredentials(UnauthorizedException e) {
        return problems.toResponse(Problems.unauthorized(false));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return problems.toResponse(Problems.forbidden());
    }
}
