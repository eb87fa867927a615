package dev.payments.http;

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
    private static final int FIRST = Integer.MIN_VALUE + 100;

    void publicPort(@Observes Router router) {
        router.route().order(FIRST).handler(context -> {
            context.addHeadersEndHandler(ignored -> context.response().headers().set(HttpHeaders.CACHE_CONTROL, "no-store"));
            context.next();
        });
        router.route("/q/*").order(FIRST + 1).handler(HttpPolicy::readOnly);
    }

    void managementPort(@Observes ManagementInterface management) {
        management.router().route().order(FIRST).handler(HttpPolicy::readOnly);
    }

    private static void readOnly(RoutingContext context) {
        HttpMethod method = context.request().method();
        if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
            context.next();
            return;
        }
        context.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
        problem(context, 405, "method-not-allowed", "Method not allowed", "This endpoint is read-only: use GET.");
    }

    /** A problem answer written here, below the REST layer (and so below ProblemMapper); fixed texts only. */
    private static void problem(RoutingContext context, int status, String slug, String title, String detail) {
        if (context.response().ended() || context.response().headWritten()) {
            return;
        }
        context.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
                .end("{\"type\":\"https://payments.example/problems/" + slug + "\",\"title\":\"" + title
                        + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}");
    }
}
