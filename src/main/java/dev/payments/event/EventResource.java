package dev.payments.event;

import static dev.payments.database.DatabaseException.unchecked;

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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** GET /events and GET /events/{id}: the merchant's events, written with each change they report. */
@Path("/events")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Events")
@SecurityRequirement(name = PaymentsApi.BEARER)
public class EventResource {

    private final EventStore events;
    private final CurrentMerchant merchant;

    EventResource(EventStore events, CurrentMerchant merchant) {
        this.events = events;
        this.merchant = merchant;
    }

    @GET
    @Operation(operationId = "listEvents", summary = "List your events, newest first")
    @APIResponse(responseCode = "200", description = "A page of events",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EventList.class)))
    @APIResponse(responseCode = "400", description = "Invalid type, limit or starting_after",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public EventList list(
            @QueryParam("type") @Parameter(description = "Only events of this type", schema = @Schema(type = SchemaType.STRING,
                    enumeration = {"payment.succeeded", "payment.declined", "payment.requires_capture", "payment.captured",
                            "payment.canceled", "payment.failed", "refund.succeeded", "refund.failed"})) String type,
            @QueryParam("limit") @Parameter(description = "Page size, 1 to 100", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "100", defaultValue = "20")) String limit,
            @QueryParam("starting_after") @Parameter(description = "Id of the last event of the previous page",
                    schema = @Schema(type = SchemaType.STRING, format = "uuid")) String startingAfter) {
        if (type != null && !Events.TYPES.contains(type)) {
            throw Problems.validation("type", "must be one of " + String.join(", ", Events.TYPES.stream().sorted().toList()));
        }
        int size = Pages.limit(limit);
        UUID cursor = Pages.cursor(startingAfter, "event");
        String merchantId = merchant.id();
        if (cursor != null && !unchecked(() -> events.exists(merchantId, cursor))) {
            throw Problems.validation("starting_after", "no such event");
        }
        List<EventResponse> page = unchecked(() -> events.page(merchantId, type, cursor, size + 1));
        return new EventList(page.stream().limit(size).toList(), page.size() > size);
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getEvent", summary = "Get one of your events")
    @APIResponse(responseCode = "200", description = "The event",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EventResponse.class)))
    @APIResponse(responseCode = "404", description = "No such event for this merchant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public EventResponse get(@PathParam("id") @Parameter(description = "Event id (UUID)") String id) {
        String merchantId = merchant.id();
        return Pages.uuid(id)
                .flatMap(uuid -> unchecked(() -> events.find(merchantId, uuid)))
                .orElseThrow(() -> Problems.notFound("No event " + id + " for this merchant."));
    }
}
