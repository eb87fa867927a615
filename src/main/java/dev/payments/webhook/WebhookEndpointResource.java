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
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** /webhook_endpoints: where the merchant's events are sent. HTTP in, one service call, HTTP out. */
@Path("/webhook_endpoints")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Webhooks")
@SecurityRequirement(name = PaymentsApi.BEARER)
public class WebhookEndpointResource {

    private final RegisterWebhookEndpoint register;
    private final RotateWebhookSecret rotateSecret;
    private final WebhookEndpointService endpoints;
    private final CurrentMerchant merchant;
    private final IdempotentResponses responses;

    WebhookEndpointResource(RegisterWebhookEndpoint register, RotateWebhookSecret rotateSecret,
            WebhookEndpointService endpoints, CurrentMerchant merchant,
            IdempotentResponses responses) {
        this.responses = responses;
        this.register = register;
        this.rotateSecret = rotateSecret;
        this.endpoints = endpoints;
        this.merchant = merchant;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createWebhookEndpoint", summary = "Register a webhook endpoint, exactly once per Idempotency-Key",
            description = "Every later event of a type in enabled_events is POSTed to url, signed with the endpoint's secret "
                    + "(Payments-Signature). The url must be https and resolve to public addresses only. The answer is the "
                    + "only one that shows the secret; its replay (same key and body) shows it again.")
    @Parameter(ref = "IdempotencyKey")
    @APIResponse(responseCode = "201", description = "The endpoint, with its secret",
            headers = @Header(name = "Location", description = "/webhook_endpoints/{id}", schema = @Schema(type = SchemaType.STRING)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WebhookEndpointResponse.class)))
    @APIResponse(responseCode = "400", description = "Invalid body, event type or Idempotency-Key, or a url webhooks may not "
            + "go to (not https, loopback, private, link-local); the key is not used up",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "too-many-webhook-endpoints (stored and replayed for the key), or "
            + "idempotency-key-in-use",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", ref = "KeyReused")
    public Uni<Response> create(@Valid CreateWebhookEndpointRequest request, @Context HttpHeaders headers) {
        if (request == null) {
            throw Problems.malformedJson("A JSON request body is required.");
        }
        IdempotencyKey key = IdempotencyKey.parse(headers.getRequestHeader(IdempotencyKey.HEADER));
        String merchantId = merchant.id();
        // the host is resolved first, off any thread and within its limit; then the operation, on a worker
        return register.refusal(request.url())
                .chain(refusal -> responses.onWorker(() -> register.run(merchantId, key, request, refusal)));
    }

    @GET
    @Operation(operationId = "listWebhookEndpoints", summary = "List your webhook endpoints, newest first")
    @APIResponse(responseCode = "200", description = "A page of endpoints (without their secrets)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WebhookEndpointList.class)))
    @APIResponse(responseCode = "400", description = "Invalid limit or starting_after",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public WebhookEndpointList list(
            @QueryParam("limit") @Parameter(description = "Page size, 1 to 100", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "100", defaultValue = "20")) String limit,
            @QueryParam("starting_after") @Parameter(description = "Id of the last endpoint of the previous page",
                    schema = @Schema(type = SchemaType.STRING, format = "uuid")) String startingAfter) {
        return endpoints.list(merchant.id(), Pages.limit(limit), Pages.cursor(startingAfter, "webhook endpoint"));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getWebhookEndpoint", summary = "Get one of your webhook endpoints (without its secret)")
    @APIResponse(responseCode = "200", description = "The endpoint",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WebhookEndpointResponse.class)))
    @APIResponse(responseCode = "404", ref = "NoSuchWebhookEndpoint")
    public WebhookEndpointResponse get(@PathParam("id") @Parameter(description = "Endpoint id (UUID)") String id) {
        String merchantId = merchant.id();
        UUID endpointId = endpointId(id);
        return endpoints.find(merchantId, endpointId)
                .orElseThrow(() -> WebhookEndpointService.noSuchEndpoint(endpointId));
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "deleteWebhookEndpoint", summary = "Delete a webhook endpoint: nothing more is sent to it")
    @APIResponse(responseCode = "204", description = "Deleted, with its deliveries")
    @APIResponse(responseCode = "404", ref = "NoSuchWebhookEndpoint")
    public Response delete(@PathParam("id") @Parameter(description = "Endpoint id (UUID)") String id) {
        endpoints.delete(merchant.id(), endpointId(id));
        return Response.noContent().build();
    }

    @POST
    @Path("/{id}/rotate_secret")
    @Operation(operationId = "rotateWebhookSecret", summary = "Replace the endpoint's secret, exactly once per Idempotency-Key",
            description = "Answers with the new secret. The old one keeps signing alongside it for 24 hours "
                    + "(payments.webhooks.secret-overlap): each delivery carries one v1 signature per secret, so a "
                    + "receiver can switch without missing one. No body.")
    @Parameter(ref = "IdempotencyKey")
    @APIResponse(responseCode = "200", description = "The endpoint, with its new secret",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WebhookEndpointResponse.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NoSuchWebhookEndpoint")
    @APIResponse(responseCode = "422", ref = "KeyReused")
    public Uni<Response> rotateSecret(@PathParam("id") String id, @Context HttpHeaders headers) {
        IdempotencyKey key = IdempotencyKey.parse(headers.getRequestHeader(IdempotencyKey.HEADER));
        UUID endpointId = endpointId(id);
        String merchantId = merchant.id();
        return responses.onWorker(() -> rotateSecret.run(merchantId, key, endpointId));
    }

    @GET
    @Path("/{id}/deliveries")
    @Operation(operationId = "listWebhookDeliveries", summary = "List the endpoint's deliveries, newest first",
            description = "One per event sent to it: its status, attempts, the last attempt's status code, duration and "
                    + "error, and when the next attempt is due.")
    @APIResponse(responseCode = "200", description = "A page of deliveries",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DeliveryList.class)))
    @APIResponse(responseCode = "400", description = "Invalid limit or starting_after",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", ref = "NoSuchWebhookEndpoint")
    public DeliveryList deliveries(@PathParam("id") String id,
            @QueryParam("limit") @Parameter(description = "Page size, 1 to 100", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "100", defaultValue = "20")) String limit,
            @QueryParam("starting_after") @Parameter(description = "Id of the last delivery of the previous page",
                    schema = @Schema(type = SchemaType.STRING, format = "uuid")) String startingAfter) {
        UUID endpointId = endpointId(id);
        return endpoints.deliveries(merchant.id(), endpointId, Pages.limit(limit), Pages.cursor(startingAfter, "delivery"));
    }

    @GET
    @Path("/{id}/deliveries/{delivery_id}/attempts")
    @Operation(operationId = "listWebhookDeliveryAttempts", summary = "List a delivery's attempts, newest first",
            description = "Each attempt: when, how long, the endpoint's status code or why no answer came, and the first "
                    + "1 KiB of the answer's body. The last 25 attempts of a delivery are kept, as long as its event (30 days).")
    @APIResponse(responseCode = "200", description = "The attempts",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AttemptList.class)))
    @APIResponse(responseCode = "404", description = "No such endpoint or delivery for this merchant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public AttemptList attempts(@PathParam("id") String id,
            @PathParam("delivery_id") @Parameter(description = "Delivery id (UUID)") String deliveryId) {
        UUID endpointId = endpointId(id);
        UUID delivery = Pages.uuid(deliveryId).orElseThrow(() -> Problems.notFound("No delivery " + deliveryId
                + " of webhook endpoint " + id + "."));
        return endpoints.attempts(merchant.id(), endpointId, delivery);
    }

    private static UUID endpointId(String id) {
        return Pages.uuid(id).orElseThrow(() -> Problems.notFound("No webhook endpoint " + id + " for this merchant."));
    }
}
