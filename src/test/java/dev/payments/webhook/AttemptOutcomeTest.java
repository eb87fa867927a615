package dev.payments.webhook;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What is kept of an answer's body: its first 1 KiB as text that PostgreSQL stores (UTF-8, no NUL). */
class AttemptOutcomeTest {

    @Test
    void anExcerptIsAtMostOneKibOfUtf8WithoutNul() {
        assertEquals("ok", AttemptOutcome.excerpt("ok".getBytes(StandardCharsets.UTF_8)));
        assertEquals(1024, AttemptOutcome.excerpt("x".repeat(5000).getBytes(StandardCharsets.UTF_8)).length());
        String euros = AttemptOutcome.excerpt("€".repeat(1000).getBytes(StandardCharsets.UTF_8));
        assertTrue(euros.getBytes(StandardCharsets.UTF_8).length <= 1024, "cut on a character, within 1 KiB");
        assertEquals("ab", AttemptOutcome.excerpt(new byte[] {'a', 0, 'b'}));
        String invalid = AttemptOutcome.excerpt(new byte[] {(byte) 0xff, 'a'});
        assertTrue(invalid.endsWith("a"), "invalid bytes replaced, the rest kept: " + invalid);
    }

    @Test
    void theKindOfErrorIsStoredAsTheSchemaNamesIt() {
        assertNull(new AttemptOutcome.Answered(204, "").errorKind());
        assertEquals("http_status", new AttemptOutcome.Answered(500, "no").errorKind());
        assertEquals("timeout", new AttemptOutcome.NoAnswer(AttemptOutcome.Kind.TIMEOUT, "late").errorKind());
        assertEquals("secret_unreadable", new AttemptOutcome.NoAnswer(AttemptOutcome.Kind.SECRET_UNREADABLE, "x").errorKind());
    }
}
