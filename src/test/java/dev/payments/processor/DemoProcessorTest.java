package dev.payments.processor;

import static dev.payments.testsupport.Api.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The demo adapter, the zero-configuration default, goes through the same phases as the HTTP one
 * and finishes the payment with the demo charge's id; the simulator is not called.
 */
@QuarkusTest
@TestProfile(DemoProcessorTest.DemoAdapter.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class DemoProcessorTest {

    public static class DemoAdapter implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("payments.processor.adapter", "demo");
        }
    }

    @Test
    void theTestCardsDecideTheOutcome() {
        String id = create(ACME_KEY, newKey(), visa()).then().statusCode(201).body("status", equalTo("succeeded"))
                .extract().path("id");
        assertEquals("ch_demo_payment-" + id + "-charge", TestDatabase.rows(
                "SELECT processor_charge_id FROM payments WHERE id = ?::uuid", id).get(0).get("processor_charge_id"));
        assertTrue(Simulator.shared().chargesFor(id).isEmpty(), "the demo adapter moves no money anywhere");
        String declined = create(ACME_KEY, newKey(), payment(DemoCard.TOKEN_DECLINED)).then().statusCode(402)
                .body("decline_code", equalTo("card_declined")).extract().path("payment_id");
        assertEquals("declined", TestDatabase.rows("SELECT status FROM payments WHERE id = ?::uuid", declined)
                .get(0).get("status"));
    }

    @Test
    void theLifecycleRunsOnTheDemoAdapterToo() {
        String id = create(ACME_KEY, newKey(), authorization()).then().statusCode(201)
                .body("status", equalTo("requires_capture")).extract().path("id");
        post(ACME_KEY, newKey(), "/payments/" + id + "/capture", Map.of("amount", 2000)).then().statusCode(200)
                .body("amount_captured", equalTo(2000));
        String refund = post(ACME_KEY, newKey(), "/payments/" + id + "/refunds", null).then().statusCode(201)
                .body("amount", equalTo(2000)).body("status", equalTo("succeeded")).extract().path("id");
        assertTrue(String.valueOf(TestDatabase.rows("SELECT processor_refund_id FROM refunds WHERE id = ?::uuid", refund)
                .get(0).get("processor_refund_id")).startsWith("re_demo_"));
        String other = create(ACME_KEY, newKey(), authorization()).then().statusCode(201).extract().path("id");
        post(ACME_KEY, newKey(), "/payments/" + other + "/cancel", null).then().statusCode(200)
                .body("status", equalTo("canceled"));
        assertTrue(Simulator.shared().chargesFor(id).isEmpty(), "the demo adapter moves no money anywhere");
    }
}
