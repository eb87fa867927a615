package dev.payments.http;

import dev.payments.problem.Problem;
import dev.payments.problem.ProblemException;
import dev.payments.problem.ProblemMapper;
import dev.payments.problem.Problems;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Rules for every HTTP answer, below the REST layer so that no route escapes them:
 * <ul>
 * <li>API answers are never stored by a cache ({@code Cache-Control: no-store}): they carry
 * payments, and a shared cache or a browser must not keep them.
 * <li>The operational endpoints (health and metrics on the management interface; the OpenAPI
 * document and Swagger UI under /q on the public port) are read-only: GET and HEAD, anything else
 * 405. Some of their handlers would otherwise answer 200 to any method, TRACE and POST included.
 * </ul>
 */
@ApplicationScoped
public class HttpPolicy {

    /** Before every other route, including Quarkus's own. */
    public static final int FIRST = Integer.MIN_VALUE + 100;

    private final ProblemMapper problems;

    HttpPolicy(ProblemMapper problems) {
        this.problems = problems;
    }

    void publicPort(@Observes Router router) {
        router.route().order(FIRST).handler(context -> {
            context.addHeadersEndHandler(ignored -> context.response().headers().set(HttpHeaders.CACHE_CONTROL, "no-store"));
            context.next();
        });
        router.route("/q/*").order(FIRST + 1).handler(this::readOnly);
    }

    void managementPort(@Observes ManagementInterface management) {
        management.router().route().order(FIRST).handler(this::readOnly);
    }

    /** Below the REST layer, so the catalogue's problem is rendered here, by the same renderer. */
    private void readOnly(RoutingContext context) {
        HttpMethod method = context.request().method();
        if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
            context.next();
            return;
        }
        answer(context, Problems.methodNotAllowed("GET, HEAD"));
    }

    /** Answers with the problem, below the REST layer, by the same renderer. */
    public void answer(RoutingContext context, ProblemException problem) {
        problem.headers().forEach(context.response()::putHeader);
        context.response()
                .setStatusCode(problem.problem().status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end(problems.write(problem.problem()));
    }
}
