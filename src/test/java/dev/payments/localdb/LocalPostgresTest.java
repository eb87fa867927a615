package dev.payments.localdb;

import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Auto mode must not fail where a working database is at hand: with a Docker engine that cannot
 * provide the image (offline, a blocked registry), it falls back to the embedded PostgreSQL
 * quickly, and says why. Needs a Docker engine, which CI's container stage sets up.
 */
class LocalPostgresTest {

    @Test
    void autoModeFallsBackToEmbeddedWhenTheEngineCannotPullTheImage() throws Exception {
        Assumptions.assumeTrue(LocalPostgres.dockerAnswers(),
                "needs a Docker engine (CI's container stage has one)");
        long started = System.nanoTime();
        // .invalid never resolves (RFC 6761): every pull from it fails, as from a blocked registry
        try (LocalPostgres postgres = LocalPostgres.start("auto", "registry.invalid/payments/no-such-postgres:1")) {
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(postgres.description().contains("embedded PostgreSQL"), postgres.description());
            assertTrue(postgres.description().contains("registry.invalid/payments/no-such-postgres:1"),
                    "the Database: line names the image it could not get: " + postgres.description());
            assertTrue(took.toSeconds() < 90, "the fallback is quick, not a multi-minute pull wait: " + took);
            try (Connection app = DriverManager.getConnection(postgres.jdbcUrl(), postgres.appUsername(), postgres.appPassword())) {
                assertTrue(app.isValid(5));
            }
        }
    }
}
