package dev.payments.http;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Singleton;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's routes, read once at start-up from the resources' JAX-RS annotations, so that a 405
 * names in its Allow header (RFC 9110 requires one; RESTEasy does not supply it) the methods that
 * exist for its path, and a new endpoint is named without anyone keeping a list.
 */
@Singleton
public class Routes {

    private static final Pattern TEMPLATE_PARAMETER = Pattern.compile("\\{[^}]+}");

    private record Route(Pattern path, String method) {
    }

    private final List<Route> routes = new ArrayList<>();

    Routes(BeanManager beans) {
        for (Bean<?> bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
            Class<?> resource = bean.getBeanClass();
            Path root = resource.getAnnotation(Path.class);
            if (root == null) {
                continue;
            }
            for (Method method : resource.getDeclaredMethods()) {
                String httpMethod = httpMethodOf(method);
                if (httpMethod != null) {
                    Path sub = method.getAnnotation(Path.class);
                    routes.add(new Route(pattern(root.value() + "/" + (sub == null ? "" : sub.value())), httpMethod));
                }
            }
        }
    }

    /** The methods the API has for {@code path}, as an Allow header says them ("GET, POST"); null if none. */
    public String allowed(String path) {
        TreeSet<String> methods = new TreeSet<>();
        for (Route route : routes) {
            if (route.path().matcher(path).matches()) {
                methods.add(route.method());
            }
        }
        return methods.isEmpty() ? null : String.join(", ", methods);
    }

    private static String httpMethodOf(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    /** A path template ("/payments/{id}/capture") as a pattern for request paths, with or without a last slash. */
    private static Pattern pattern(String template) {
        String path = ("/" + template).replaceAll("/+", "/");
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        StringBuilder regex = new StringBuilder();
        Matcher parameters = TEMPLATE_PARAMETER.matcher(path);
        int literal = 0;
        while (parameters.find()) {
            regex.append(Pattern.quote(path.substring(literal, parameters.start()))).append("[^/]+");
            literal = parameters.end();
        }
        regex.append(Pattern.quote(path.substring(literal))).append("/?");
        return Pattern.compile(regex.toString());
    }
}
