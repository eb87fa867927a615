package dev.payments.problem;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The last resort: what an exception no other mapper claims becomes. */
class ProblemMapperTest {

    private final ProblemMapper mapper = new ProblemMapper(new ObjectMapper());

    @Test
    void aValueTheDatabaseRefusedIs400NotARetryable500() {
        Response response = mapper.unexpected(new RuntimeException(new SQLException(
                "ERROR: invalid byte sequence for encoding \"UTF8\": 0x00", "22021")));
        assertEquals(400, response.getStatus());
        String body = (String) response.getEntity();
        assertTrue(body.contains("unstorable-value"), body);
        assertFalse(body.contains("UTF8") || body.contains("0x00") || body.contains("ERROR"), body);
    }

    @Test
    void anUnavailableDatabaseIs503WithRetryAfter() {
        Response response = mapper.unexpected(new SQLException("Connection refused", "08001"));
        assertEquals(503, response.getStatus());
        assertEquals("1", response.getHeaderString("Retry-After"));
    }

    @Test
    void anythingElseIs500WithAnErrorIdAndNoInternals() {
        Response response = mapper.unexpected(new IllegalStateException("secret internals"));
        assertEquals(500, response.getStatus());
        String body = (String) response.getEntity();
        assertTrue(body.contains("error id"), body);
        assertFalse(body.contains("secret") || body.contains("IllegalStateException"), body);
    }
}
