package dev.payments.event;

import static dev.payments.testsupport.Api.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.testsupport.Await;
import dev.payments.testsupport.ProcessorInvariants;
import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every state change writes its event in the same statement (the outbox): the event carries the
 * object exactly as GET returns it after the change; GET /events pages and filters a merchant's
 * own; events past their retention are purged. Every test ends with the invariant that each change
 * in the database has its event, and no event reports a change that is not there.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class EventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void everyChangeHasItsEvent() throws InterruptedException {
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(20));
    }

    /** The events about one object, oldest first. */
    private static List<Map<String, Object>> eventsOf(String objectId) {
        return TestDatabase.rows("SELECT id::text AS id, type FROM events WHERE object_id = ?::uuid ORDER BY created_at, id",
                objectId);
    }

    private static JsonNode object(String eventId) throws Exception {
        String body = as(ACME_KEY).get("/events/" + eventId).then().statusCode(200)
                .body("id", equalTo(eventId)).body("created_at", notNullValue())
                .extract().asString();
        return JSON.readTree(body).get("data").get("object");
    }

    private static JsonNode read(String path) throws Exception {
        return JSON.readTree(as(ACME_KEY).get(path).then().statusCode(200).extract().asString());
    }

    @Test
    void eachChangeOfAPaymentIsAnEventCarryingThePaymentAsItWasThen() throws Exception {
        String id = create(ACME_KEY, newKey(), authorization()).then().statusCode(201).extract().path("id");
        JsonNode authorized = read("/payments/" + id);
        post(ACME_KEY, newKey(), "/payments/" + id + "/capture", Map.of("amount", 2000)).then().statusCode(200);
        JsonNode captured = read("/payments/" + id);
        String refundId = post(ACME_KEY, newKey(), "/payments/" + id + "/refunds", Map.of("amount", 500))
                .then().statusCode(201).extract().path("id");

        List<Map<String, Object>> events = eventsOf(id);
        assertEquals(List.of("payment.requires_capture", "payment.captured"), events.stream().map(e -> e.get("type")).toList());
        assertEquals(authorized, object((String) events.get(0).get("id")), "the payment as it was when authorized");
        JsonNode atCapture = object((String) events.get(1).get("id"));
        assertEquals(captured, atCapture, "the payment as it was when captured");
        assertEquals(0, atCapture.get("amount_refunded").asLong(), "not as it is now, refunded");
        List<Map<String, Object>> refundEvents = eventsOf(refundId);
        assertEquals("refund.succeeded", refundEvents.get(0).get("type"));
        assertEquals(read("/refunds/" + refundId), object((String) refundEvents.get(0).get("id")));
    }

    @Test
    void declinesCancelsAndFailedRefundsAreEventsToo() {
        String declined = create(ACME_KEY, newKey(), payment("pm_card_declined")).then().statusCode(402)
                .extract().path("payment_id");
        assertEquals("payment.declined", eventsOf(declined).get(0).get("type"));
        String canceled = create(ACME_KEY, newKey(), authorization()).then().statusCode(201).extract().path("id");
        post(ACME_KEY, newKey(), "/payments/" + canceled + "/cancel", null).then().statusCode(200);
        assertEquals("payment.canceled", eventsOf(canceled).get(1).get("type"));
        String paid = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        assertEquals("payment.succeeded", eventsOf(paid).get(0).get("type"));
        Simulator.shared().fault("refund_fails", 1, "/v1/refunds", 0);
        String failed = post(ACME_KEY, newKey(), "/payments/" + paid + "/refunds", null).then().statusCode(201)
                .body("status", equalTo("failed")).extract().path("id");
        assertEquals("refund.failed", eventsOf(failed).get(0).get("type"));
    }

    @Test
    void aReplayOrARefusalIsNoChangeAndNoEvent() {
        String key = newKey();
        Map<String, Object> body = visa();
        String id = create(ACME_KEY, key, body).then().statusCode(201).extract().path("id");
        create(ACME_KEY, key, body).then().statusCode(201).header("Idempotent-Replayed", "true");
        post(ACME_KEY, newKey(), "/payments/" + id + "/capture", null).then().statusCode(409);
        assertEquals(1, eventsOf(id).size());
    }

    @Test
    void eventsArePagedNewestFirstFilteredByTypeAndScopedToTheMerchant() {
        String first = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        String second = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        List<String> objects = as(ACME_KEY).queryParam("type", "payment.succeeded").queryParam("limit", 2).get("/events")
                .then().statusCode(200).body("has_more", equalTo(true))
                .body("data.type", everyItem(equalTo("payment.succeeded")))
                .extract().path("data.data.object.id");
        assertEquals(List.of(second, first), objects, "newest first");
        String newest = (String) eventsOf(second).get(0).get("id");
        List<String> after = as(ACME_KEY).queryParam("limit", 1).queryParam("starting_after", newest)
                .queryParam("type", "payment.succeeded").get("/events").then().statusCode(200)
                .extract().path("data.data.object.id");
        assertEquals(List.of(first), after);
        as(GLOBEX_KEY).get("/events/" + newest).then().statusCode(404);
        List<String> globex = as(GLOBEX_KEY).queryParam("limit", 100).get("/events").then().statusCode(200)
                .extract().path("data.id");
        assertFalse(globex.contains(newest), "another merchant's events are not listed");
        as(ACME_KEY).queryParam("type", "payment.exploded").get("/events").then().statusCode(400)
                .body("errors[0].field", equalTo("type"));
        as(ACME_KEY).queryParam("starting_after", UUID.randomUUID().toString()).get("/events").then().statusCode(400);
        as(ACME_KEY).get("/events/not-an-id").then().statusCode(404);
        RestAssured.given().get("/events").then().statusCode(401);
    }

    @Test
    void eventsPastTheirRetentionArePurged() throws InterruptedException {
        String old = UUID.randomUUID().toString();
        String recent = UUID.randomUUID().toString();
        // events of no change (the invariant would read them as unexpected: each is gone by the end)
        String insert = "INSERT INTO events (id, merchant_id, type, object_id, data, created_at) "
                + "VALUES (?::uuid, 'acme', 'payment.succeeded', ?::uuid, '{\"object\": {}}', now() - make_interval(days => ?))";
        TestDatabase.update(insert, old, old, 31);
        assertTrue(Await.until(() -> TestDatabase.number("SELECT count(*) FROM events WHERE id = ?::uuid", old) == 0,
                Duration.ofSeconds(20)), "purged after 30 days");
        TestDatabase.update(insert, recent, recent, 29);
        Thread.sleep(2500);
        assertEquals(1, TestDatabase.number("SELECT count(*) FROM events WHERE id = ?::uuid", recent), "kept within 30 days");
        TestDatabase.update("DELETE FROM events WHERE id = ?::uuid", recent);
    }
}
