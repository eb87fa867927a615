package dev.payments.webhook;

import dev.payments.http.IdempotentResponses;
import dev.payments.http.Pages;
import dev.payments.http.PaymentsApi;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.merchant.CurrentMerchant;
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** POST /events/{id}/redeliver: one event sent again (the events themselves are read in EventResource). */
@Path("/events/{id}/redeliver")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Webhooks")
@SecurityRequirement(name = PaymentsApi.BEARER)
public class RedeliveryResource {

    private final RedeliverEvent redeliver;
    private final CurrentMerchant merchant;
    private final IdempotentResponses responses;

    RedeliveryResource(RedeliverEvent redeliver, CurrentMerchant merchant,
            IdempotentResponses responses) {
        this.responses = responses;
        this.redeliver = redeliver;
        this.merchant = merchant;
    }

    @POST
    @Operation(operationId = "redeliverEvent", summary = "Send an event again to your endpoints, once per Idempotency-Key",
            description = "Schedules the event for every enabled endpoint subscribed to its type, with a new retry window, "
                    + "whether or not it was delivered before. No body.")
    @Parameter(ref = "IdempotencyKey")
    @APIResponse(responseCode = "202", description = "Scheduled: the event's deliveries",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Redelivery.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", description = "No such event for this merchant; the key is not used up",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "no-subscribed-endpoint (stored and replayed for the key), or "
            + "idempotency-key-in-use",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", ref = "KeyReused")
    public Uni<Response> redeliver(@PathParam("id") @Parameter(description = "Event id (UUID)") String id,
            @Context HttpHeaders headers) {
        IdempotencyKey key = IdempotencyKey.parse(headers.getRequestHeader(IdempotencyKey.HEADER));
        UUID eventId = Pages.uuid(id).orElseThrow(() -> Problems.notFound("No event " + id + " for this merchant."));
        String merchantId = merchant.id();
        return responses.onWorker(() -> redeliver.run(merchantId, key, eventId));
    }
}
