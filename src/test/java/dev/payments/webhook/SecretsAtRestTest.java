package dev.payments.webhook;

import static dev.payments.testsupport.Api.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Webhook signing secrets are never stored in clear: after a registration and a rotation, a scan of
 * every row of every table (as the administrator, as pg_dump would read them) finds neither the
 * secrets nor any whsec_ text, while the replays of both answers still show the secrets whole.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class SecretsAtRestTest {

    /** The tables of the service's schema whose rows, as text, contain {@code text}. */
    static final String TABLES_CONTAINING = """
            SELECT string_agg(c.relname, ', ' ORDER BY c.relname) AS tables
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
              AND (xpath('/row/n/text()', query_to_xml(format(
                      'SELECT count(*) AS n FROM %I.%I t WHERE strpos(t::text, %L) > 0', n.nspname, c.relname, ?),
                      false, true, '')))[1]::text::int > 0""";

    static String tablesContaining(String text) {
        Object tables = TestDatabase.rows(TABLES_CONTAINING, text).get(0).get("tables");
        return tables == null ? "" : tables.toString();
    }

    @Test
    void noSecretIsStoredInClearAndTheRepliesStillShowThem() {
        String key = newKey();
        Map<String, Object> body = Map.of("url", "http://127.0.0.1:9/hook", "enabled_events", List.of("refund.failed"));
        Response created = post(ACME_KEY, key, "/webhook_endpoints", body);
        created.then().statusCode(201).body("secret", startsWith("whsec_"));
        String id = created.path("id");
        String first = created.path("secret");
        String rotateKey = newKey();
        Response rotated = post(ACME_KEY, rotateKey, "/webhook_endpoints/" + id + "/rotate_secret", null);
        rotated.then().statusCode(200).body("secret", startsWith("whsec_"));
        String second = rotated.path("secret");
        assertNotEquals(first, second);
        try {
            // the rows are there, sealed: the endpoint (both secrets, in the overlap) and both key rows
            Map<String, Object> row = TestDatabase.rows("SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?::uuid",
                    id).get(0);
            assertTrue(row.get("secret").toString().startsWith("v1:"), row.toString());
            assertTrue(row.get("previous_secret").toString().startsWith("v1:"), row.toString());
            assertTrue(TestDatabase.keyRow(ACME, key).orElseThrow().get("response_body").toString().contains("\"secret\":\"v1:"));
            for (String text : List.of("whsec_", first.substring(6), second.substring(6))) {
                assertEquals("", tablesContaining(text), "tables holding " + text + " in clear");
            }
            // the replays show the secrets as the first answers did
            post(ACME_KEY, key, "/webhook_endpoints", body).then().statusCode(201)
                    .header("Idempotent-Replayed", "true").body(equalTo(created.asString()));
            post(ACME_KEY, rotateKey, "/webhook_endpoints/" + id + "/rotate_secret", null).then().statusCode(200)
                    .header("Idempotent-Replayed", "true").body("secret", equalTo(second)).body(equalTo(rotated.asString()));
        } finally {
            as(ACME_KEY).delete("/webhook_endpoints/" + id).then().statusCode(204);
        }
    }
}
