package dev.payments.http;

import dev.payments.problem.Problems;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * What every request body must be: declared as JSON (else 415; JAX-RS alone would take a body
 * without Content-Type; no body at all is an empty JSON one) and at most 16 KiB (else 413, at once when Content-Length says so, else
 * while reading a chunked body). A payment request is a few hundred bytes; the limit keeps a
 * client bug or an attack from costing memory and database space.
 */
@Provider
public class RequestBodyPolicy implements ReaderInterceptor {

    public static final long MAX_BODY_BYTES = 16 * 1024;

    @ServerRequestFilter(preMatching = true, priority = jakarta.ws.rs.Priorities.AUTHENTICATION + 100)
    public void checkDeclaredBody(ContainerRequestContext request) {
        String declared = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        boolean hasBody = request.getHeaderString("Transfer-Encoding") != null
                || (declared != null && !declared.trim().equals("0"));
        if (!hasBody) {
            // no body at all is an empty JSON request (POST /payments/{id}/capture with nothing to
            // say), whatever type a client library declares for it
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, jakarta.ws.rs.core.MediaType.APPLICATION_JSON);
        } else if (request.getHeaderString(HttpHeaders.CONTENT_TYPE) == null) {
            throw Problems.unsupportedMediaType();
        }
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > MAX_BODY_BYTES) {
                    throw Problems.payloadTooLarge(MAX_BODY_BYTES);
                }
            } catch (NumberFormatException e) {
                // Vert.x has already rejected a malformed Content-Length; nothing to add here
            }
        }
    }

    /** Reads at most one byte past the limit before any parsing, so the answer does not depend on the JSON. */
    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        byte[] body = context.getInputStream().readNBytes((int) MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            throw Problems.payloadTooLarge(MAX_BODY_BYTES);
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }
}
