package dev.payments.http;

import dev.payments.problem.Problems;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * What every request body must be declared as: JSON (else 415; JAX-RS alone would take a body
 * without Content-Type), and no body at all is an empty JSON one. Its size and how long it may take
 * to arrive are BodyReader's.
 */
public class RequestBodyPolicy {

    @ServerRequestFilter(preMatching = true, priority = jakarta.ws.rs.Priorities.AUTHENTICATION + 100)
    public void checkDeclaredBody(ContainerRequestContext request) {
        String declared = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        boolean hasBody = request.getHeaderString("Transfer-Encoding") != null
                || (declared != null && !declared.trim().equals("0"));
        if (!hasBody) {
            // no body at all is an empty JSON request (POST /payments/{id}/capture with nothing to
            // say), whatever type a client library declares for it
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        } else if (request.getHeaderString(HttpHeaders.CONTENT_TYPE) == null) {
            throw Problems.unsupportedMediaType();
        }
    }
}
