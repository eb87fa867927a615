package dev.payments.payment;

import dev.payments.idempotency.IdempotencyKey;
import dev.payments.merchant.CurrentMerchant;
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
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
@APIResponse(responseCode = "429", description = "Over this merchant's rate limit; retry after Retry-After seconds",
        headers = @Header(name = "Retry-After", schema = @Schema(type = SchemaType.INTEGER)),
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "503", description = "The database is unreachable; retry with the same Idempotency-Key",
        headers = @Header(name = "Retry-After", schema = @Schema(type = SchemaType.INTEGER)),
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class PaymentResource {

    static final String REPLAYED_HEADER = "Idempotent-Replayed";
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    private final PaymentService payments;
    private final CurrentMerchant merchant;

    PaymentResource(PaymentService payments, CurrentMerchant merchant) {
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
        // Up to here on the event loop, which has read the whole body already; the transaction
        // blocks, so it runs on a worker thread. (A blocking method would instead read the body on
        // the worker, waiting on the event loop for each part: a measurable cost per request.)
        return Uni.createFrom().item(() -> payments.create(merchantId, key, request))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(PaymentResource::toResponse);
    }

    private static Response toResponse(CreateResult result) {
        Response.ResponseBuilder response = Response.status(result.status())
                .type(result.status() >= 400 ? Problem.MEDIA_TYPE : MediaType.APPLICATION_JSON)
                .entity(result.body());
        if (result.status() == 201) {
            response.header(HttpHeaders.LOCATION, PaymentService.CREATE_PATH + "/" + result.paymentId());
        }
        if (result.replayed()) {
            response.header(REPLAYED_HEADER, "true");
        }
        return response.build();
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getPayment", summary = "Get one of your payments")
    @APIResponse(responseCode = "200", description = "The payment",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PaymentResponse.class)))
    @APIResponse(responseCode = "404", description = "No such payment for this merchant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public PaymentResponse get(@PathParam("id") @Parameter(description = "Payment id (UUID)") String id) {
        return parseUuid(id)
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
        UUID cursor = null;
        if (startingAfter != null) {
            cursor = parseUuid(startingAfter).orElseThrow(() -> Problems.validation("starting_after", "must be a payment id"));
        }
        return payments.list(merchant.id(), parseLimit(limit), cursor);
    }

    private static int parseLimit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit.trim());
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problems.validation("limit", "must be an integer from 1 to " + MAX_LIMIT);
    }

    private static java.util.Optional<UUID> parseUuid(String value) {
        try {
            UUID uuid = UUID.fromString(value);
            // UUID.fromString accepts short forms like 1-2-3-4-5; only the canonical form names a payment
            return uuid.toString().equalsIgnoreCase(value) ? java.util.Optional.of(uuid) : java.util.Optional.empty();
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }
}
