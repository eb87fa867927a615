package dev.payments.refund;

import dev.payments.http.Pages;
import dev.payments.http.PaymentsApi;
import dev.payments.merchant.CurrentMerchant;
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** GET /refunds/{id}; refunds are made and listed under their payment (PaymentRefundsResource). */
@Path("/refunds")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Refunds")
@SecurityRequirement(name = PaymentsApi.BEARER)
public class RefundResource {

    private final RefundQueries refunds;
    private final CurrentMerchant merchant;

    RefundResource(RefundQueries refunds, CurrentMerchant merchant) {
        this.refunds = refunds;
        this.merchant = merchant;
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getRefund", summary = "Get one of your refunds")
    @APIResponse(responseCode = "200", description = "The refund",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RefundResponse.class)))
    @APIResponse(responseCode = "404", description = "No such refund for this merchant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public RefundResponse get(@PathParam("id") @Parameter(description = "Refund id (UUID)") String id) {
        return Pages.uuid(id)
                .flatMap(uuid -> refunds.find(merchant.id(), uuid))
                .orElseThrow(() -> Problems.notFound("No refund " + id + " for this merchant."));
    }
}
