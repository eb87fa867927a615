package dev.payments.database;

import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

/**
 * Whole statements bound by name, on a real PostgreSQL: a name may appear more than once; casts,
 * quoted text and comments are not parameters; a name left unbound, or one the statement does not
 * have, is refused before anything reaches the database.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class SqlTest {

    private static final Sql STATEMENT = Sql.of("""
            SELECT CAST(:n AS integer) + :n AS twice, ':quoted' AS quoted, '1'::integer AS cast,
                   CAST(:at AS timestamptz) AS at -- :commented""");

    @Test
    void bindsEachNameWhereverItStands() throws SQLException {
        Instant at = Instant.parse("2026-12-07T08:00:00.123456Z");
        try (Connection connection = TestDatabase.connect();
                PreparedStatement statement = STATEMENT.prepare(connection, Sql.with("n", 21).and("at", at));
                ResultSet row = statement.executeQuery()) {
            assertTrue(row.next());
            assertEquals(42, row.getInt("twice"));
            assertEquals(":quoted", row.getString("quoted"));
            assertEquals(1, row.getInt("cast"));
            assertEquals(at, row.getObject("at", OffsetDateTime.class).toInstant());
        }
    }

    @Test
    void anUnboundOrUnknownNameIsRefused() throws SQLException {
        try (Connection connection = TestDatabase.connect()) {
            IllegalArgumentException unbound = assertThrows(IllegalArgumentException.class,
                    () -> STATEMENT.prepare(connection, Sql.with("n", 1)));
            assertTrue(unbound.getMessage().startsWith("parameter :at is not bound"), unbound.getMessage());
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> STATEMENT.prepare(connection, Sql.with("n", 1).and("at", Instant.now()).and("commented", 2)));
            assertTrue(unknown.getMessage().startsWith("parameters [commented] are not in"), unknown.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Sql.with("n", 1).and("n", 2), "a name bound twice");
        assertThrows(IllegalArgumentException.class, () -> Sql.of("SELECT ?"), "positional parameters");
    }
}
