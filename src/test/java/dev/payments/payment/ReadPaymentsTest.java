package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ReadPaymentsTest {

    @Test
    void getReturnsThePaymentAsCreated() {
        var body = visa();
        body.put("metadata", java.util.Map.of("order_id", "1001"));
        Response created = create(ACME_KEY, newKey(), body);
        created.then().statusCode(201)
                .body("id", matchesPattern("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"))
                .body("amount", equalTo(2500))
                .body("currency", equalTo("EUR"))
                .body("status", equalTo("succeeded"))
                .body("payment_method", equalTo("pm_card_visa"))
                .body("description", equalTo(body.get("description")))
                .body("metadata.order_id", equalTo("1001"))
                .body("created_at", matchesPattern("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z"));
        String read = as(ACME_KEY).get("/payments/" + created.path("id"))
                .then().statusCode(200).contentType(ContentType.JSON).extract().asString();
        assertEquals(created.asString(), read);
    }

    @Test
    void pagesThroughPaymentsMadeInTheSameMicrosecondInIdOrder() {
        // the cursor is (created_at, id): payments that share a created_at are ordered, and paged, by id
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String merchant = "ties-" + suffix;
        String apiKey = "sk_test_ties" + suffix;
        TestDatabase.update("INSERT INTO merchants (id, name, api_key_sha256) VALUES (?, ?, ?)",
                merchant, merchant, dev.payments.merchant.ApiKeys.sha256Hex(apiKey));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = UUID.randomUUID().toString();
            TestDatabase.update("""
                    INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, created_at,
                                          amount_captured)
                    VALUES (CAST(? AS uuid), ?, 100, 'EUR', 'succeeded', 'pm_card_visa',
                            TIMESTAMPTZ '2026-01-01 00:00:00.123456Z', 100)""", id, merchant);
            ids.add(id);
        }
        ids.sort(java.util.Comparator.reverseOrder());
        assertEquals(ids, walkPages(apiKey, 2, 10), "id descending within the same created_at, each once");
    }

    @Test
    void unknownOrMalformedIdIs404() {
        as(ACME_KEY).get("/payments/" + UUID.randomUUID()).then().statusCode(404).contentType("application/problem+json");
        as(ACME_KEY).get("/payments/not-a-uuid").then().statusCode(404).contentType("application/problem+json");
        as(ACME_KEY).get("/payments/1-2-3-4-5").then().statusCode(404);
    }

    @Test
    void listsNewestFirstAndPagesWithStartingAfter() {
        // globex's list is shared with other tests; a fresh page walk still must see these five in order
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            mine.add(0, create(GLOBEX_KEY, newKey(), visa()).then().statusCode(201).extract().path("id"));
        }
        List<String> seen = walkPages(GLOBEX_KEY, 2, 1000);
        assertEquals(mine, seen.subList(0, 5), "newest first, nothing skipped or repeated");
        assertEquals(seen.size(), new java.util.HashSet<>(seen).size());
        assertEquals(TestDatabase.number("SELECT count(*) FROM payments WHERE merchant_id = 'globex'"), seen.size());
    }

    @Test
    void defaultLimitIs20() {
        for (int i = 0; i < 21; i++) {
            create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        }
        as(ACME_KEY).get("/payments").then().statusCode(200).body("data.size()", equalTo(20)).body("has_more", equalTo(true));
        as(ACME_KEY).queryParam("limit", 100).get("/payments").then().statusCode(200).body("data.size()", greaterThanOrEqualTo(21));
    }

    @Test
    void invalidListParametersAre400() {
        for (String limit : new String[] {"0", "101", "-1", "abc", "1.5"}) {
            as(ACME_KEY).queryParam("limit", limit).get("/payments").then().statusCode(400)
                    .contentType("application/problem+json").body("errors.field", hasItem("limit"));
        }
        as(ACME_KEY).queryParam("starting_after", "nope").get("/payments").then().statusCode(400)
                .body("errors.field", hasItem("starting_after"));
        as(ACME_KEY).queryParam("starting_after", UUID.randomUUID().toString()).get("/payments").then().statusCode(400)
                .body("errors.field", hasItem("starting_after"));
    }

    /** The ids of the merchant's payments as its pages serve them, {@code limit} a page, following has_more. */
    private static List<String> walkPages(String apiKey, int limit, int maxPages) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < maxPages; page++) {
            var request = as(apiKey).queryParam("limit", limit);
            if (cursor != null) {
                request.queryParam("starting_after", cursor);
            }
            Response response = request.get("/payments");
            response.then().statusCode(200).body("data.size()", lessThanOrEqualTo(limit));
            List<String> ids = response.path("data.id");
            seen.addAll(ids);
            if (!(Boolean) response.path("has_more")) {
                break;
            }
            cursor = ids.get(ids.size() - 1);
        }
        return seen;
    }
}
