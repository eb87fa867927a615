package dev.payments.playground;

import dev.payments.http.HttpPolicy;
import dev.payments.problem.Problems;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The playground page: static files under META-INF/resources/playground, served by Quarkus when
 * {@code payments.playground.enabled}, a problem+json 404 otherwise (the files are in every jar;
 * the setting decides at run time). The page talks to the public API only, from this origin.
 */
@ApplicationScoped
public class PlaygroundRoutes {

    static final String PATH = "/playground/";

    /**
     * The page's scripts and styles come from this origin only, and it talks to nothing else: no
     * inline script, no CDN, no framing (a framed page could be made to press its buttons).
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final boolean enabled;
    private final HttpPolicy policy;

    PlaygroundRoutes(PlaygroundConfig config, HttpPolicy policy) {
        this.enabled = config.enabled();
        this.policy = policy;
    }

    /** After HttpPolicy's rules, before Quarkus's static files. */
    void routes(@Observes Router router) {
        router.routeWithRegex("/playground(/.*)?").order(HttpPolicy.FIRST + 10).handler(this::page);
        router.route("/").order(HttpPolicy.FIRST + 10).handler(this::root);
    }

    private void page(RoutingContext context) {
        if (!enabled) {
            policy.answer(context, Problems.notFound("There is no resource at this path."));
            return;
        }
        HttpMethod method = context.request().method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            policy.answer(context, Problems.methodNotAllowed("GET, HEAD"));
            return;
        }
        if (context.normalizedPath().equals("/playground")) {
            redirect(context);
            return;
        }
        context.response().headers()
                .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer");
        context.next();
    }

    /**
     * A browser pointed at the service finds the page; anything else at / is answered as before. Only
     * the root as sent: a path that normalizes to it ({@code /payments/..}) is not an address of the page.
     */
    private void root(RoutingContext context) {
        HttpMethod method = context.request().method();
        if (enabled && (method == HttpMethod.GET || method == HttpMethod.HEAD) && "/".equals(context.request().path())) {
            redirect(context);
        } else {
            context.next();
        }
    }

    private static void redirect(RoutingContext context) {
        context.response().setStatusCode(303).putHeader(HttpHeaders.LOCATION, PATH).end();
    }
}
