package dev.payments.processor;

import dev.payments.deadline.Deadline;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.client.api.QuarkusRestClientProperties;

/**
 * The processor over HTTP ({@link ProcessorApi}). Every call runs in one guard (SmallRye Fault
 * Tolerance): a timeout on connect and read, a retry with the same idempotency key where the
 * outcome is unknown or the processor asks to come back (409 and 429, after their Retry-After,
 * capped), and a circuit breaker that stops calling a processor that keeps failing, so an outage
 * is answered at once instead of holding a worker for every request.
 * <p>
 * What a failed call means, by the processor's status: 400 and 422 refuse the request itself (it
 * would be refused again: a {@code Refused} outcome, nothing was charged); 401, 403 and 404 reject
 * how we call (our API key, our URL: nothing is final, and {@link #callsRejected} says why until a
 * call is accepted again); 409 and 429 say come back later; anything else, or no answer, leaves
 * the outcome unknown.
 */
public class HttpProcessor implements PaymentProcessor {

    private static final Logger LOG = Logger.getLogger(HttpProcessor.class);

    /** Calls seen before the breaker judges; 20 is enough that two unlucky timeouts do not open it. */
    private static final int BREAKER_VOLUME = 20;
    /** Half of them failing is an outage, not noise. */
    private static final double BREAKER_FAILURE_RATIO = 0.5;
    /** How long the breaker stays open before it lets a trial call through. */
    private static final long BREAKER_DELAY_SECONDS = 5;
    /** Delay before repeating a call whose outcome is unknown: a moment for a blip to pass. */
    private static final long RETRY_DELAY_MILLIS = 100;

    private final ProcessorApi api;
    private final Guard guard;
    private volatile boolean open;
    private final Duration callAndAnswer;
    /** Why the processor's last answer rejected our calls; null once one was accepted. */
    private volatile String rejected;

    /**
     * {@code callTimeout}: connect and read, per call; a call starts only if the request's deadline
     * leaves it that long and {@code toAnswer} after.
     */
    public HttpProcessor(ProcessorConfig config, Duration callTimeout, Duration toAnswer) {
        URI url = config.url().orElseThrow(() -> new IllegalStateException("payments.processor.url is not set"));
        String apiKey = config.apiKey().orElseThrow(
                () -> new IllegalStateException("payments.processor.api-key (PAYMENTS_PROCESSOR_API_KEY) is not set"));
        long timeout = callTimeout.toMillis();
        this.callAndAnswer = callTimeout.plus(toAnswer);
        this.api = QuarkusRestClientBuilder.newBuilder()
                .baseUri(url)
                .connectTimeout(timeout, TimeUnit.MILLISECONDS)
                .readTimeout(timeout, TimeUnit.MILLISECONDS)
                .register(new BearerKey(apiKey))
                .property("microprofile.rest.client.disable.default.mapper", true)
                .property(QuarkusRestClientProperties.CONNECTION_POOL_SIZE, config.connections())
                .build(ProcessorApi.class);
        long maxRetryDelay = config.maxRetryDelay().toMillis();
        this.guard = Guard.create()
                .withDescription("processor " + url)
                .withRetry()
                    .maxRetries(config.maxRetries())
                    .retryOn(List.of(ProcessorDown.class, ProcessorBusy.class))
                    .withCustomBackoff().strategy(() -> new RetryAfterBackoff(maxRetryDelay)).done()
                    .done()
                .withCircuitBreaker()
                    .name("processor")
                    .failOn(ProcessorDown.class)
                    .requestVolumeThreshold(BREAKER_VOLUME)
                    .failureRatio(BREAKER_FAILURE_RATIO)
                    .delay(BREAKER_DELAY_SECONDS, ChronoUnit.SECONDS)
                    .onStateChange(this::breakerChanged)
                    .done()
                .build();
    }

    @Override
    public ChargeOutcome charge(ChargeRequest request, String idempotencyKey) {
        ProcessorApi.NewCharge body = new ProcessorApi.NewCharge(request.amount(), request.currency(),
                request.paymentMethod(), request.capture(), request.reference());
        return guarded("charge " + request.reference(), () -> chargeFrom(send(() -> api.createCharge(idempotencyKey, body))));
    }

    @Override
    public ChargeOutcome capture(String chargeId, long amount, String idempotencyKey) {
        return guarded("capture " + chargeId,
                () -> chargeFrom(send(() -> api.capture(chargeId, idempotencyKey, new ProcessorApi.Capture(amount)))));
    }

    @Override
    public ChargeOutcome cancel(String chargeId, String idempotencyKey) {
        return guarded("cancel " + chargeId, () -> chargeFrom(send(() -> api.cancel(chargeId, idempotencyKey, Map.of()))));
    }

    @Override
    public RefundOutcome refund(RefundRequest request, String idempotencyKey) {
        ProcessorApi.NewRefund body = new ProcessorApi.NewRefund(request.chargeId(), request.amount(), request.reference());
        return guarded("refund " + request.reference(), RefundOutcome.class, RefundOutcome.Unknown::new,
                refused -> new RefundOutcome.Failed(null, refused.code),
                () -> outcomeOf(written(send(() -> api.createRefund(idempotencyKey, body)), ProcessorApi.Refund.class)));
    }

    @Override
    public RefundOutcome findRefund(String reference) {
        return guarded("refund look-up " + reference, RefundOutcome.class, RefundOutcome.Unknown::new,
                refused -> new RefundOutcome.Unknown("look-up refused: " + refused.getMessage()), () -> {
            Optional<ProcessorApi.Refund> refund = found(send(() -> api.refundsByReference(reference)),
                    ProcessorApi.RefundList.class, "refunds", reference);
            return refund.isEmpty() ? new RefundOutcome.NotRefunded() : outcomeOf(refund.get());
        });
    }

    /** A write's answer: the object it made or changed, or the failure it is. */
    private static ChargeOutcome chargeFrom(Response answer) throws Exception {
        return outcomeOf(written(answer, ProcessorApi.Charge.class));
    }

    private static <T> T written(Response answer, Class<T> type) throws Exception {
        try (Response response = answer) {
            if (response.getStatus() == 200 || response.getStatus() == 201) {
                return read(response, type);
            }
            throw failure(response);
        }
    }

    /** What a look-up by reference found: none, or the one object (we make one per reference). */
    private static <T> Optional<T> found(Response answer, Class<? extends ProcessorApi.Page<T>> type, String what,
            String reference) throws Exception {
        try (Response response = answer) {
            if (response.getStatus() != 200) {
                throw failure(response);
            }
            ProcessorApi.Page<T> page = read(response, type);
            List<T> found = page == null ? null : page.data();
            if (found == null || found.isEmpty()) {
                return Optional.empty();
            }
            if (found.size() > 1) {
                // we make one per reference; more can only come from outside this service
                LOG.errorf("processor has %d %s for reference %s; adopting the first", found.size(), what, reference);
            }
            return Optional.of(found.get(0));
        }
    }

    @Override
    public ChargeOutcome findCharge(String reference) {
        return guarded("look-up " + reference, ChargeOutcome.class, ChargeOutcome.Unknown::new,
                refused -> new ChargeOutcome.Unknown("look-up refused: " + refused.getMessage()), () -> {
            Optional<ProcessorApi.Charge> charge = found(send(() -> api.chargesByReference(reference)),
                    ProcessorApi.ChargeList.class, "charges", reference);
            return charge.isEmpty() ? new ChargeOutcome.NotCharged() : outcomeOf(charge.get());
        });
    }

    @Override
    public boolean isAvailable() {
        return !open;
    }

    @Override
    public Optional<String> callsRejected() {
        return Optional.ofNullable(rejected);
    }

    /**
     * The call's answer; no answer at all (refused, reset, timed out) is a ProcessorDown. Not made
     * if the request's deadline has no room left for it and the answer after it: OutOfTime.
     */
    private Response send(java.util.function.Supplier<Response> call) throws ProcessorDown, OutOfTime {
        if (Deadline.current().filter(deadline -> !deadline.allows(callAndAnswer)).isPresent()) {
            throw new OutOfTime();
        }
        try {
            return call.get();
        } catch (ProcessingException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ProcessorDown(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    private ChargeOutcome guarded(String what, Callable<ChargeOutcome> call) {
        return guarded(what, ChargeOutcome.class, ChargeOutcome.Unknown::new,
                refused -> new ChargeOutcome.Refused(refused.code, refused.getMessage()), call);
    }

    /**
     * The call in the guard. A refusal of the request is {@code refused}'s; whatever else prevents
     * an outcome is {@code unknown}'s, with the reason.
     */
    private <T> T guarded(String what, Class<T> type, Function<String, T> unknown, Function<ProcessorRefused, T> refused,
            Callable<T> call) {
        try {
            T outcome = guard.call(call, type);
            rejected = null;
            return outcome;
        } catch (CircuitBreakerOpenException e) {
            return unknown.apply("circuit breaker open");
        } catch (OutOfTime e) {
            return unknown.apply("no time left in the request for a processor call");
        } catch (ProcessorDown | ProcessorBusy | UnreadableAnswer e) {
            LOG.warnf("processor %s: outcome unknown (%s)", what, e.getMessage());
            return unknown.apply(e.getMessage());
        } catch (ProcessorRefused e) {
            rejected = null;
            LOG.warnf("processor %s refused: %s %s", what, e.code, e.getMessage());
            return refused.apply(e);
        } catch (CallRejected e) {
            // our configuration, not the request: nothing was done, and nothing is final; the
            // readiness check reports it until a call is accepted again
            rejected = e.getMessage();
            LOG.errorf("processor %s rejected our call: %s", what, e.getMessage());
            return unknown.apply("the processor rejected our call: " + e.getMessage());
        } catch (Exception e) {
            LOG.errorf(e, "processor %s: unexpected failure", what);
            return unknown.apply(e.getClass().getSimpleName());
        }
    }

    private static <T> T read(Response response, Class<T> type) throws UnreadableAnswer {
        try {
            return response.readEntity(type);
        } catch (RuntimeException e) {
            throw new UnreadableAnswer("an answer that is not a " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    private static ChargeOutcome outcomeOf(ProcessorApi.Charge charge) throws UnreadableAnswer {
        if (charge == null || charge.id() == null || charge.status() == null) {
            throw new UnreadableAnswer("a charge without id or status");
        }
        return switch (charge.status().toLowerCase(Locale.ROOT)) {
            case "succeeded" -> {
                if (charge.amountCaptured() == null || charge.amountCaptured() < 1) {
                    throw new UnreadableAnswer("charge " + charge.id() + " succeeded without an amount_captured");
                }
                yield new ChargeOutcome.Succeeded(charge.id(), charge.amountCaptured());
            }
            case "requires_capture" -> new ChargeOutcome.Authorized(charge.id());
            case "canceled" -> new ChargeOutcome.Canceled(charge.id());
            case "declined" -> new ChargeOutcome.Declined(charge.id(),
                    charge.declineCode() == null ? "card_declined" : charge.declineCode());
            default -> throw new UnreadableAnswer("charge " + charge.id() + " is " + charge.status());
        };
    }

    private static RefundOutcome outcomeOf(ProcessorApi.Refund refund) throws UnreadableAnswer {
        if (refund == null || refund.id() == null || refund.status() == null) {
            throw new UnreadableAnswer("a refund without id or status");
        }
        return switch (refund.status().toLowerCase(Locale.ROOT)) {
            case "succeeded" -> new RefundOutcome.Succeeded(refund.id());
            case "failed" -> new RefundOutcome.Failed(refund.id(),
                    refund.failureCode() == null ? "refund_failed" : refund.failureCode());
            default -> throw new UnreadableAnswer("refund " + refund.id() + " is " + refund.status());
        };
    }

    /** What a non-success status means for whoever called. */
    private static Exception failure(Response response) {
        int status = response.getStatus();
        ProcessorApi.ErrorBody.Error error = errorOf(response);
        String said = status + " " + (error == null ? "(no error body)" : error.code() + ": " + error.message());
        return switch (status) {
            case 400, 422 -> error == null || error.code() == null
                    ? new ProcessorRefused("invalid_request", said)
                    : new ProcessorRefused(error.code(), error.message() == null ? said : error.message());
            case 409, 429 -> new ProcessorBusy(said, retryAfterSeconds(response));
            case 401, 403, 404 -> new CallRejected(said);
            default -> new ProcessorDown(said);
        };
    }

    private static ProcessorApi.ErrorBody.Error errorOf(Response response) {
        try {
            ProcessorApi.ErrorBody body = response.readEntity(ProcessorApi.ErrorBody.class);
            return body == null ? null : body.error();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static long retryAfterSeconds(Response response) {
        String value = response.getHeaderString("Retry-After");
        try {
            return value == null ? 1 : Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private void breakerChanged(CircuitBreakerState state) {
        open = state == CircuitBreakerState.OPEN;
        LOG.warnf("processor circuit breaker %s", state);
    }

    /** A transport failure or a 5xx: the processor may or may not have acted. */
    static final class ProcessorDown extends Exception {
        ProcessorDown(String message) {
            super(message);
        }
    }

    /** A 409 (our key is in flight there) or a 429: come back after {@code retryAfterSeconds}. */
    static final class ProcessorBusy extends Exception {
        final long retryAfterSeconds;

        ProcessorBusy(String message, long retryAfterSeconds) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }

    /** A 400 or 422: the request itself is refused (an unknown payment method, say); asking again changes nothing. */
    static final class ProcessorRefused extends Exception {
        final String code;

        ProcessorRefused(String code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** A 401, 403 or 404: the processor rejects how we call it (our API key, our URL); nothing was done. */
    static final class CallRejected extends Exception {
        CallRejected(String message) {
            super(message);
        }
    }

    /** The request's deadline leaves no room for another call: not made, so nothing was done by it. */
    static final class OutOfTime extends Exception {
        OutOfTime() {
            super("the request's deadline leaves no room for a processor call");
        }
    }

    /** A success whose body we cannot read: the processor may have acted. */
    static final class UnreadableAnswer extends Exception {
        UnreadableAnswer(String message) {
            super(message);
        }
    }

    /** Authenticates every call with our API key. */
    private static final class BearerKey implements ClientRequestFilter {
        private final String authorization;

        BearerKey(String apiKey) {
            this.authorization = "Bearer " + apiKey;
        }

        @Override
        public void filter(ClientRequestContext request) {
            request.getHeaders().putSingle("Authorization", authorization);
        }
    }

    /** Honours Retry-After up to the cap; a short pause for everything else. */
    private record RetryAfterBackoff(long maxDelayMillis) implements CustomBackoffStrategy {
        @Override
        public long nextDelayInMillis(Throwable failure) {
            if (failure instanceof ProcessorBusy busy) {
                return Math.min(maxDelayMillis, TimeUnit.SECONDS.toMillis(busy.retryAfterSeconds));
            }
            return RETRY_DELAY_MILLIS;
        }
    }
}
