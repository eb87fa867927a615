package dev.payments.problem;

import dev.payments.problem.Problem.FieldError;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The catalogue of problems this API answers with: one stable type per kind of error. */
public final class Problems {

    /** Seconds a client should wait before retrying a request that met a transient conflict or outage. */
    public static final int RETRY_AFTER_SECONDS = 1;

    private Problems() {
    }

    public static ProblemException validation(List<FieldError> errors) {
        return new ProblemException(Problem.of("validation-error", "Invalid request", 400,
                "The request has invalid fields; see errors.").withErrors(errors));
    }

    public static ProblemException validation(String field, String message) {
        return validation(List.of(new FieldError(field, message)));
    }

    public static ProblemException malformedJson(String detail) {
        return new ProblemException(Problem.of("malformed-json", "Malformed JSON", 400, detail));
    }

    public static ProblemException invalidIdempotencyKey(String message) {
        return new ProblemException(Problem.of("invalid-idempotency-key", "Invalid Idempotency-Key", 400,
                "Every POST /payments needs an Idempotency-Key header: 1 to 255 visible ASCII characters, "
                        + "unique per payment you mean to make.")
                .withErrors(List.of(new FieldError("Idempotency-Key", message))));
    }

    public static ProblemException unauthorized(boolean credentialsGiven) {
        String challenge = credentialsGiven ? "Bearer realm=\"payments\", error=\"invalid_token\"" : "Bearer realm=\"payments\"";
        return new ProblemException(Problem.of("unauthorized", "Unauthorized", 401,
                credentialsGiven ? "The API key is not valid." : "Send your API key as 'Authorization: Bearer <api key>'."),
                Map.of("WWW-Authenticate", challenge));
    }

    public static Problem cardDeclined(UUID paymentId, String declineCode) {
        return Problem.of("card-declined", "Card declined", 402,
                "The card was declined (" + declineCode + "). The declined payment is recorded; retrying with the same "
                        + "Idempotency-Key replays this answer, a new attempt needs a new key.")
                .withDecline(paymentId, declineCode);
    }

    /** The processor refused the charge as a request: the payment failed, nothing was charged. */
    public static Problem paymentFailed(UUID paymentId, String failureCode, String processorMessage) {
        return Problem.of("payment-failed", "Payment failed", 402,
                "The payment processor refused the charge (" + failureCode + ": " + processorMessage + "). Nothing was "
                        + "charged. The failed payment is recorded; retrying with the same Idempotency-Key replays this "
                        + "answer, a corrected request needs a new key.")
                .withFailure(paymentId, failureCode);
    }

    /** The payment is not authorized (any more): nothing to capture. */
    public static Problem paymentNotCapturable(UUID paymentId, String status, String detail) {
        return Problem.of("payment-not-capturable", "Payment not capturable", 409,
                "Payment " + paymentId + " is " + status + detail + "; only a payment in requires_capture can be captured.")
                .withPayment(paymentId);
    }

    public static Problem captureExceedsAuthorized(UUID paymentId, long amount, long capturable) {
        return Problem.of("capture-exceeds-authorized", "Capture exceeds the authorization", 409,
                "A capture of " + amount + " exceeds the " + capturable + " authorized for payment " + paymentId
                        + "; capture at most " + capturable + ".")
                .withPayment(paymentId);
    }

    public static Problem paymentNotCancelable(UUID paymentId, String status, String detail) {
        return Problem.of("payment-not-cancelable", "Payment not cancelable", 409,
                "Payment " + paymentId + " is " + status + detail + "; only a payment in requires_capture can be canceled"
                        + " (refund a captured one).")
                .withPayment(paymentId);
    }

    public static Problem paymentNotRefundable(UUID paymentId, String status, String detail) {
        return Problem.of("payment-not-refundable", "Payment not refundable", 409,
                "Payment " + paymentId + " is " + status + detail + "; only a captured (succeeded) payment can be refunded.")
                .withPayment(paymentId);
    }

    public static Problem refundExceedsRemaining(UUID paymentId, long amount, long captured, long refunded, long pending) {
        long remaining = captured - refunded - pending;
        return Problem.of("refund-exceeds-remaining", "Refund exceeds what remains", 409,
                (amount > 0 ? "A refund of " + amount : "A refund") + " exceeds what remains of payment " + paymentId
                        + ": " + captured + " captured, " + refunded + " refunded, " + pending + " in pending refunds, "
                        + remaining + " remaining.")
                .withPayment(paymentId);
    }

    public static Problem tooManyWebhookEndpoints(int limit) {
        return Problem.of("too-many-webhook-endpoints", "Too many webhook endpoints", 409,
                "You have " + limit + " webhook endpoints, the most a merchant may have; delete one first.");
    }

    public static Problem noSubscribedEndpoint(String eventType) {
        return Problem.of("no-subscribed-endpoint", "No endpoint for this event", 409,
                "None of your enabled webhook endpoints takes " + eventType + " events: nothing to redeliver to.");
    }

    /** A refund is recorded but the processor has not confirmed its outcome yet. */
    public static ProblemException refundPending(UUID paymentId, UUID refundId) {
        return new ProblemException(Problem.of("refund-pending", "Refund pending", 503,
                "The payment processor has not confirmed refund " + refundId + " yet. Retry with the same Idempotency-Key "
                        + "and body to learn its outcome: the money is refunded at most once, and the refund is finished "
                        + "even if you do not retry.").withPayment(paymentId),
                Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
    }

    /** A capture or cancel is recorded but the processor has not confirmed it yet. */
    public static ProblemException actionPending(UUID paymentId, String action) {
        return new ProblemException(Problem.of("payment-processing", "Payment processing", 503,
                "The payment processor has not confirmed the " + action + " of payment " + paymentId + " yet. Retry with "
                        + "the same Idempotency-Key and body to learn its outcome: it happens at most once, and is "
                        + "finished even if you do not retry.").withPayment(paymentId),
                Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
    }

    public static ProblemException forbidden() {
        return new ProblemException(Problem.of("forbidden", "Forbidden", 403, "No merchant may call this endpoint."));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of("not-found", "Not found", 404, detail));
    }

    public static ProblemException methodNotAllowed(String allow) {
        return new ProblemException(Problem.of("method-not-allowed", "Method not allowed", 405,
                "This resource does not support the request's method."), allow == null ? Map.of() : Map.of("Allow", allow));
    }

    public static ProblemException notAcceptable() {
        return new ProblemException(Problem.of("not-acceptable", "Not acceptable", 406,
                "This API answers with application/json or application/problem+json only."));
    }

    public static ProblemException keyInUse() {
        return new ProblemException(Problem.of("idempotency-key-in-use", "Idempotency key in use", 409,
                "Another request with this Idempotency-Key is still being processed. Retry with the same key and body."),
                Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
    }

    public static ProblemException payloadTooLarge(long limit) {
        return new ProblemException(Problem.of("payload-too-large", "Payload too large", 413,
                "The request body exceeds " + limit + " bytes."));
    }

    /** The body did not arrive within the read deadline: nothing was done, the key is not used up. */
    public static ProblemException requestTimeout(long seconds) {
        return new ProblemException(Problem.of("request-timeout", "Request timeout", 408,
                "The request body did not arrive within " + seconds + " seconds. Nothing was done: send the request "
                        + "again, with the same Idempotency-Key."));
    }

    public static ProblemException unsupportedMediaType() {
        return new ProblemException(Problem.of("unsupported-media-type", "Unsupported media type", 415,
                "Send the request body as application/json."));
    }

    public static ProblemException keyReused() {
        return new ProblemException(Problem.of("idempotency-key-reused", "Idempotency key reused", 422,
                "This Idempotency-Key was already used with a different request. Send the original request to "
                        + "get its result, or use a new key for a new payment."));
    }

    public static ProblemException unstorableValue() {
        return new ProblemException(Problem.of("unstorable-value", "Invalid value", 400,
                "A value in the request cannot be stored. Nothing was stored; correct the request and send it again."));
    }

    public static ProblemException rateLimited(long retryAfterSeconds) {
        return new ProblemException(Problem.of("rate-limited", "Too many requests", 429,
                "This merchant is sending requests faster than its rate limit. Retry after Retry-After seconds; "
                        + "a retried POST keeps its Idempotency-Key."),
                Map.of("Retry-After", String.valueOf(retryAfterSeconds)));
    }

    /** The merchant already has its share of the requests worked on at once; nothing was done or stored. */
    public static ProblemException tooManyConcurrentRequests(int limit) {
        return new ProblemException(Problem.of("too-many-concurrent-requests", "Too many requests at once", 429,
                "This merchant already has " + limit + " requests being worked on, its share of the service. Retry "
                        + "after Retry-After seconds; a retried POST keeps its Idempotency-Key."),
                Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
    }

    /** Load shedding: more requests at once than the service works on; nothing was done or stored. */
    public static ProblemException overloaded() {
        return new ProblemException(Problem.of("service-overloaded", "Service overloaded", 503,
                "The service is at its limit of requests at once. Nothing was done for this request: retry it "
                        + "after Retry-After seconds, with the same Idempotency-Key."),
                Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
    }

    public static ProblemException serviceUnavailable() {
        return new ProblemException(Problem.of("service-unavailable", "Service unavailable", 503,
                "The payment database is not reachable right now. Retry with the same Idempotency-Key: "
                        + "the payment is made at most once."),
                Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
    }

    /**
     * The payment is stored but the processor has not confirmed its outcome (a timeout, a reset, a
     * 5xx, an open circuit). Not an error the client made, and not a failure: the same request
     * with the same key learns the outcome, and the customer is charged at most once.
     */
    public static ProblemException paymentProcessing(UUID paymentId) {
        return new ProblemException(Problem.of("payment-processing", "Payment processing", 503,
                "The payment processor has not confirmed the outcome of payment " + paymentId + " yet. Retry with the "
                        + "same Idempotency-Key and body to learn it: the customer is charged at most once, and the "
                        + "payment is finished even if you do not retry.").withPayment(paymentId),
                Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
    }

    /** The processor is known to be down (its circuit breaker is open); nothing was stored. */
    public static ProblemException processorUnavailable() {
        return new ProblemException(Problem.of("processor-unavailable", "Payment processor unavailable", 503,
                "The payment processor is not reachable right now. Nothing was charged or stored; retry with the same "
                        + "Idempotency-Key."),
                Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
    }

    public static ProblemException internalError(String errorId) {
        return new ProblemException(Problem.of("internal-error", "Internal error", 500,
                "An unexpected error occurred (error id " + errorId + "). Retrying with the same Idempotency-Key is safe."));
    }
}
