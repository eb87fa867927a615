package dev.payments.refund;

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
 * POST and GET /payments/{id}/refunds: a payment's refunds, made and listed under it. HTTP in, one
 * call, HTTP out; the class-level answers are those of every call under /payments.
 */
@Path("/payments/{id}/refunds")
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
public class PaymentRefundsResource {

    private static final String REPLAYED_HEADER = IdempotentResponses.REPLAYED_HEADER;

    private final CreateRefund createRefund;
    private final RefundQueries refunds;
    private final CurrentMerchant merchant;
    private final IdempotentResponses responses;

    PaymentRefundsResource(CreateRefund createRefund, RefundQueries refunds, CurrentMerchant merchant,
            IdempotentResponses responses) {
        this.responses = responses;
        this.createRefund = createRefund;
        this.refunds = refunds;
        this.merchant = merchant;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Tag(name = "Refunds")
    @Operation(operationId = "createRefund", summary = "Refund a captured payment, in part or whole, exactly once per "
            + "Idempotency-Key",
            description = "Refunds amount (default: all that remains) of a succeeded payment; many partial refunds may be "
                    + "made, never more in all than was captured. The refund is pending until the processor confirms it, "
                    + "then succeeded or failed. Idempotent like every POST.")
    @Parameter(ref = "IdempotencyKey")
    @APIResponse(responseCode = "201", description = "The refund (or, with Idempotent-Replayed: true, the replayed answer)",
            headers = {
                    @Header(name = "Location", description = "/refunds/{id}", schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = REPLAYED_HEADER, schema = @Schema(type = SchemaType.STRING, enumeration = "true"))},
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RefundResponse.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NoSuchPayment")
    @APIResponse(responseCode = "409", description = "payment-not-refundable (not captured), refund-exceeds-remaining, "
            + "both stored and replayed for the key; or idempotency-key-in-use (with Retry-After)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", ref = "KeyReused")
    @APIResponse(responseCode = "503", description = "The database or the processor is unreachable, or the processor has not "
            + "confirmed the refund yet (type refund-pending: the refund is stored, pending, and will be finished); retry "
            + "with the same Idempotency-Key and body",
            headers = @Header(name = "Retry-After", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> refund(@PathParam("id") String id, @Valid CreateRefundRequest request, @Context HttpHeaders headers) {
        IdempotencyKey key = IdempotencyKey.parse(headers.getRequestHeader(IdempotencyKey.HEADER));
        UUID paymentId = paymentId(id);
        String merchantId = merchant.id();
        CreateRefundRequest refund = request == null ? CreateRefundRequest.ALL_THAT_REMAINS : request;
        return responses.onWorker(() -> createRefund.run(merchantId, key, paymentId, refund));
    }

    @GET
    @Tag(name = "Refunds")
    @Operation(operationId = "listRefunds", summary = "List a payment's refunds, newest first")
    @APIResponse(responseCode = "200", description = "A page of refunds",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RefundList.class)))
    @APIResponse(responseCode = "400", description = "Invalid limit or starting_after",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", ref = "NoSuchPayment")
    public RefundList listRefunds(@PathParam("id") String id,
            @QueryParam("limit") @Parameter(description = "Page size, 1 to 100", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "100", defaultValue = "20")) String limit,
            @QueryParam("starting_after") @Parameter(description = "Id of the last refund of the previous page",
                    schema = @Schema(type = SchemaType.STRING, format = "uuid")) String startingAfter) {
        UUID paymentId = paymentId(id);
        return refunds.list(merchant.id(), paymentId, Pages.limit(limit), Pages.cursor(startingAfter, "refund"));
    }

    /** The path's payment id; 404 for anything that cannot name one. */
    private static UUID paymentId(String id) {
        return Pages.uuid(id).orElseThrow(() -> Problems.notFound("No payment " + id + " for this merchant."));
    }
}
