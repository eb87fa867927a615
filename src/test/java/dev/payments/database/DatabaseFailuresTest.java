package dev.payments.database;

import static org.junit.jupiter.api.Assertions.*;

import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** What each failure means to a client: plain unit tests of the one class that knows SQLSTATEs. */
class DatabaseFailuresTest {

    private static SQLException state(String sqlState) {
        return new SQLException("ERROR: something", sqlState);
    }

    @Test
    void connectionShutdownResourceAndTimeoutStatesAreUnavailable() {
        for (String state : new String[] {"08001", "08006", "08003", "57P01", "57P02", "57P03", "53300", "53100", "57014", "25P03", "25006", "40001", "40P01"}) {
            assertTrue(DatabaseFailures.isUnavailable(state(state)), state);
        }
        assertTrue(DatabaseFailures.isUnavailable(new SQLTransientConnectionException("Acquisition timeout while waiting for new connection")));
        assertTrue(DatabaseFailures.isUnavailable(new RuntimeException(new SocketTimeoutException("Read timed out"))));
    }

    @Test
    void aCommitWithAnUnknownOutcomeIsUnavailable() {
        RuntimeException commit = new IllegalStateException("commit failed");
        commit.addSuppressed(new jakarta.transaction.RollbackException("ARJUNA016053"));
        assertTrue(DatabaseFailures.isUnavailable(commit));
        assertTrue(DatabaseFailures.isUnavailable(new RuntimeException(new jakarta.transaction.HeuristicMixedException())));
    }

    @Test
    void clientAndProgrammingErrorsAreNotUnavailable() {
        for (String state : new String[] {"23505", "22021", "22P02", "42601", "42501", "55P03"}) {
            assertFalse(DatabaseFailures.isUnavailable(state(state)), state);
        }
        assertFalse(DatabaseFailures.isUnavailable(new IllegalStateException("a bug")));
        assertFalse(DatabaseFailures.isUnavailable(null));
    }

    @Test
    void dataExceptionsAreClass22Only() {
        for (String state : new String[] {"22021", "22P05", "22003", "22001", "22P02"}) {
            assertTrue(DatabaseFailures.isDataException(new RuntimeException(state(state))), state);
        }
        for (String state : new String[] {"23505", "08006", "42501"}) {
            assertFalse(DatabaseFailures.isDataException(state(state)), state);
        }
        assertFalse(DatabaseFailures.isDataException(new SQLException("no state")));
    }

    @Test
    void lockTimeoutIs55P03AnywhereInTheCauses() {
        assertTrue(DatabaseFailures.isLockTimeout(new RuntimeException(new IllegalStateException(state("55P03")))));
        assertFalse(DatabaseFailures.isLockTimeout(state("57014")));
    }

    @Test
    void aCyclicCauseChainEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertFalse(DatabaseFailures.isUnavailable(a));
    }
}
