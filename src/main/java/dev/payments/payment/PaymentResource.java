package dev.payments.payment;

import dev.payments.http.IdempotentResponses;
import dev.payments.http.Pages;
import dev.payments.http.PaymentsApi;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.merchant.CurrentMerchant;
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * HTTP in, one service call, HTTP out. {@code @Authenticated}: Quarkus Security has resolved the
 * merchant before any method here runs (see ApiKeyAuthenticationMechanism).
 */
@Path("/payments")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Payments")
@SecurityRequirement(name = PaymentsApi.BEARER)
@APIResponse(responseCode = "401", description = "Missing or unknown API key",
        headers = @Header(name = "WWW-Authenticate", schema = @Schema(type = SchemaType.STRING)),
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "429", description = "Over this merchant's rate limit (rate-limited) or its share of the requests "
        + "worked on at once (too-many-concurrent-requests); nothing done, retry after Retry-After seconds",
        headers = @Header(name = "Retry-After", schema = @Schema(type = SchemaType.INTEGER)),
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "503", description = "The database is unreachable; retry with the same Idempotency-Key",
        headers = @Header(name = "Retry-After", schema = @Schema(type = SchemaType.INTEGER)),
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class PaymentResource {

    private static final String REPLAYED_HEADER = IdempotentResponses.REPLAYED_HEADER;

    private final CreatePayment createPayment;
    private final CapturePayment capturePayment;
    private final CancelPayment cancelPayment;
    private final PaymentQueries payments;
    private final CurrentMerchant merchant;
    private final IdempotentResponses responses;

    PaymentResource(CreatePayment createPayment, CapturePayment capturePayment, CancelPayment cancelPayment,
            PaymentQueries payments, CurrentMerchant merchant,
            IdempotentResponses responses) {
        this.responses = responses;
        this.createPayment = createPayment;
        this.capturePayment = capturePayment;
        this.cancelPayment = cancelPayment;
        this.payments = payments;
        this.merchant = merchant;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createPayment", summary = "Create a payment, exactly once per Idempotency-Key",
            description = "The first request with a key stores the key and the payment (processing) together, "
                    + "calls the processor, then stores the outcome and the answer together. Repeating the request "
                    + "with the same key and the same body (whitespace and key order aside) replays that answer with "
                    + "Idempotent-Replayed: true; while the first is still at the processor, the repeat waits for its "
                    + "outcome. If the processor's outcome is unknown the answer is 503 and the payment stays "
                    + "processing until a retry with the key, or the service itself, finishes it: the customer is "
                    + "charged at most once. The same key with another body is a 422. Keys are remembered for 24 hours "
                    + "by default.")
    @Parameter(name = IdempotencyKey.HEADER, in = ParameterIn.HEADER, required = true,
            description = "Your unique id for this payment: 1 to 255 visible ASCII characters; a quoted form "
                    + "\"abc\" means abc. Send the same key when you retry.",
            example = "order-1001-attempt-1",
            schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 257))
    @APIResponse(responseCode = "201", description = "Payment created (or, with Idempotent-Replayed: true, the replayed original)",
            headers = {
                    @Header(name = "Location", description = "/payments/{id}", schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = REPLAYED_HEADER, description = "true when this is the stored answer of an earlier request",
                            schema = @Schema(type = SchemaType.STRING, enumeration = "true"))},
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PaymentResponse.class)))
    @APIResponse(responseCode = "400", description = "Invalid body or Idempotency-Key; the key is not used up",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "402", description = "Card declined; the declined payment is stored and this answer is replayed for the key",
            headers = @Header(name = REPLAYED_HEADER, schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "The database or the processor is unreachable, or the processor has not "
            + "confirmed the outcome yet (type payment-processing, with payment_id: the payment is stored and will be finished); "
            + "retry with the same Idempotency-Key and body to learn the outcome",
            headers = @Header(name = "Retry-After", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "A concurrent request with this key is still running; retry after Retry-After seconds",
            headers = @Header(name = "Retry-After", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "408", description = "The body did not arrive within 5 s; nothing done, the key is not used up",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "Body over 16 KiB",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "Body is not application/json",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "The Idempotency-Key was used with a different request",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(@Valid CreatePaymentRequest request, @Context HttpHeaders headers) {
        if (request == null) {
            throw Problems.malformedJson("A JSON request body is required.");
        }
        IdempotencyKey key = IdempotencyKey.parse(headers.getRequestHeader(IdempotencyKey.HEADER));
        String merchantId = merchant.id();
        return responses.onWorker(() -> createPayment.run(merchantId, key, request));
    }

    @POST
    @Path("/{id}/capture")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "capturePayment", summary = "Capture an authorized payment, exactly once per Idempotency-Key",
            description = "Charges an authorized payment (capture_method manual, status requires_capture): the whole "
                    + "authorization, or amount of it, releasing the rest. The payment becomes succeeded. Idempotent like "
                    + "every POST: the same key and body replay the answer (a 409 included), another body is a 422.")
    @Parameter(ref = "IdempotencyKey")
    @APIResponse(responseCode = "200", description = "The payment, captured (or, with Idempotent-Replayed: true, the replayed answer)",
            headers = @Header(name = REPLAYED_HEADER, schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PaymentResponse.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NoSuchPayment")
    @APIResponse(responseCode = "409", description = "payment-not-capturable (not in requires_capture), "
            + "capture-exceeds-authorized, both stored and replayed for the key; or idempotency-key-in-use (with Retry-After)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", ref = "KeyReused")
    public Uni<Response> capture(@PathParam("id") String id, @Valid CaptureRequest request, @Context HttpHeaders headers) {
        IdempotencyKey key = IdempotencyKey.parse(headers.getRequestHeader(IdempotencyKey.HEADER));
        UUID paymentId = paymentId(id);
        String merchantId = merchant.id();
        CaptureRequest whole = request == null ? CaptureRequest.WHOLE : request;
        return responses.onWorker(() -> capturePayment.run(merchantId, key, paymentId, whole));
    }

    @POST
    @Path("/{id}/cancel")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "cancelPayment", summary = "Cancel an authorized payment, exactly once per Idempotency-Key",
            description = "Releases an authorization (status requires_capture): the payment becomes canceled and nothing "
                    + "is charged. A captured payment is refunded instead. Idempotent like every POST.")
    @Parameter(ref = "IdempotencyKey")
    @APIResponse(responseCode = "200", description = "The payment, canceled (or, with Idempotent-Replayed: true, the replayed answer)",
            headers = @Header(name = REPLAYED_HEADER, schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PaymentResponse.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NoSuchPayment")
    @APIResponse(responseCode = "409", description = "payment-not-cancelable (not in requires_capture), stored and "
            + "replayed for the key; or idempotency-key-in-use (with Retry-After)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", ref = "KeyReused")
    public Uni<Response> cancel(@PathParam("id") String id, @Valid CancelRequest request, @Context HttpHeaders headers) {
        IdempotencyKey key = IdempotencyKey.parse(headers.getRequestHeader(IdempotencyKey.HEADER));
        UUID paymentId = paymentId(id);
        String merchantId = merchant.id();
        CancelRequest noReason = request == null ? CancelRequest.NO_REASON : request;
        return responses.onWorker(() -> cancelPayment.run(merchantId, key, paymentId, noReason));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getPayment", summary = "Get one of your payments")
    @APIResponse(responseCode = "200", description = "The payment",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PaymentResponse.class)))
    @APIResponse(responseCode = "404", description = "No such payment for this merchant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public PaymentResponse get(@PathParam("id") @Parameter(description = "Payment id (UUID)") String id) {
        return Pages.uuid(id)
                .flatMap(uuid -> payments.find(merchant.id(), uuid))
                .orElseThrow(() -> Problems.notFound("No payment " + id + " for this merchant."));
    }

    @GET
    @Operation(operationId = "listPayments", summary = "List your payments, newest first")
    @APIResponse(responseCode = "200", description = "A page of payments",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PaymentList.class)))
    @APIResponse(responseCode = "400", description = "Invalid limit or starting_after",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public PaymentList list(
            @QueryParam("limit") @Parameter(description = "Page size, 1 to 100", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "100", defaultValue = "20")) String limit,
            @QueryParam("starting_after") @Parameter(description = "Id of the last payment of the previous page",
                    schema = @Schema(type = SchemaType.STRING, format = "uuid")) String startingAfter) {
        return payments.list(merchant.id(), Pages.limit(limit), Pages.cursor(startingAfter, "payment"));
    }

    /** The path's payment id; 404 for anything that cannot name one. */
    private static UUID paymentId(String id) {
        return Pages.uuid(id).orElseThrow(() -> Problems.notFound("No payment " + id + " for this merchant."));
    }
}
