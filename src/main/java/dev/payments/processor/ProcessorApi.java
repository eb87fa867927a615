package dev.payments.processor;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/**
 * The processor's HTTP API, as its documentation fixes it (JSON, snake_case, bearer API key). The
 * one place that knows the wire format. Methods answer the raw {@link Response}, so that
 * {@link HttpProcessor} decides what each status means (the client's default mapping of every
 * non-2xx to an exception is switched off). The records ignore fields they do not know: a
 * processor adds fields to its objects without warning, and that must not fail a payment.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface ProcessorApi {

    String IDEMPOTENCY_KEY = "Idempotency-Key";

    @POST
    @Path("/charges")
    Response createCharge(@HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey, NewCharge charge);

    @GET
    @Path("/charges")
    Response chargesByReference(@QueryParam("reference") String reference);

    @POST
    @Path("/charges/{id}/capture")
    Response capture(@PathParam("id") String chargeId, @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey,
            Capture capture);

    @POST
    @Path("/charges/{id}/cancel")
    Response cancel(@PathParam("id") String chargeId, @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey,
            Map<String, Object> empty);

    @POST
    @Path("/refunds")
    Response createRefund(@HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey, NewRefund refund);

    @GET
    @Path("/refunds")
    Response refundsByReference(@QueryParam("reference") String reference);

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record NewCharge(long amount, String currency, String paymentMethod, boolean capture, String reference) {
    }

    record Capture(long amount) {
    }

    record NewRefund(String charge, long amount, String reference) {
    }

    /** status: succeeded or failed (with failure_code). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Refund(String id, String charge, Long amount, String reference, String status, String failureCode,
            String created) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record RefundList(List<Refund> data) implements Page<Refund> {
    }

    /** {"data": [...], "has_more": ...}, the answer of every look-up. */
    interface Page<T> {
        List<T> data();
    }

    /** status: succeeded, requires_capture, declined or canceled. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Charge(String id, String reference, Long amount, String currency, String status, Long amountCaptured,
            Long amountRefunded, String declineCode, String created) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record ChargeList(List<Charge> data) implements Page<Charge> {
    }

    /** {"error": {"code": "...", "message": "..."}}, the body of every error answer. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ErrorBody(Error error) {
        @JsonIgnoreProperties(ignoreUnknown = true)
        public record Error(String code, String message) {
        }
    }
}
