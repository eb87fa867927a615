package dev.payments.database;

import static org.junit.jupiter.api.Assertions.*;

import dev.payments.deadline.Deadline;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rows of requests that arrive together share one statement, on a real PostgreSQL over the
 * service's pool: the first statement (n = 0) holds the only turn for half a second while the others
 * come, so what shares a statement is known. A statement PostgreSQL refuses is run again row by
 * row, and only the row that broke it is refused; two rows that write the same thing never share
 * one; a row whose deadline passes before a statement takes it gives up, unrun.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class CombinedStatementTest {

    /** Each row's n doubled; n = 0 sleeps half a second; a negative n divides by zero (22012). */
    private static final Sql DOUBLE = Sql.of("""
            SELECT r.n * 2 AS doubled, pg_sleep(CASE WHEN r.n = 0 THEN 0.5 ELSE 0 END) AS slept,
                   1 / CASE WHEN r.n < 0 THEN 0 ELSE 1 END AS refused
            FROM unnest(CAST(:ns AS integer[])) WITH ORDINALITY AS r (n, i)
            ORDER BY r.i""");

    record Probe(int n, String writes) implements CombinedStatement.Row {
        Probe(int n) {
            this(n, "row " + n);
        }
    }

    @Inject
    Database database;

    private final List<List<Integer>> statements = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CombinedStatement<Probe, Integer> doubled = new CombinedStatement<>(this::run, 1, 32);

    private List<Integer> run(List<Probe> rows) throws SQLException {
        statements.add(rows.stream().map(Probe::n).toList());
        int[] ns = rows.stream().mapToInt(Probe::n).toArray();
        return database.list(DOUBLE, Sql.with("ns", ns), row -> row.getInt("doubled"));
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void rowsThatComeWhileAStatementRunsShareTheNext() throws Exception {
        Future<Integer> first = submit(new Probe(0));
        awaitRunning(first);
        List<Future<Integer>> others = new ArrayList<>();
        for (int n = 1; n <= 10; n++) {
            others.add(submit(new Probe(n)));
        }
        awaitWaiting(10);
        assertEquals(0, first.get(5, TimeUnit.SECONDS));
        for (int n = 1; n <= 10; n++) {
            assertEquals(2 * n, others.get(n - 1).get(5, TimeUnit.SECONDS), "each row's own answer");
        }
        assertEquals(2, statements.size(), "the first alone, then the ten together: " + statements);
        assertEquals(10, statements.get(1).size(), statements.toString());
    }

    @Test
    void aRefusedStatementIsRunAgainRowByRowAndOnlyTheRowThatBrokeItIsRefused() throws Exception {
        Future<Integer> first = submit(new Probe(0));
        awaitRunning(first);
        Future<Integer> one = submit(new Probe(1));
        awaitWaiting(1);
        Future<Integer> broken = submit(new Probe(-1));
        awaitWaiting(2);
        Future<Integer> two = submit(new Probe(2));
        awaitWaiting(3);
        assertEquals(2, one.get(5, TimeUnit.SECONDS));
        assertEquals(4, two.get(5, TimeUnit.SECONDS));
        Exception refused = assertThrows(Exception.class, () -> broken.get(5, TimeUnit.SECONDS));
        SQLException sql = assertInstanceOf(SQLException.class, refused.getCause());
        assertEquals("22012", sql.getSQLState(), "division by zero, as PostgreSQL said it");
        assertEquals(List.of(List.of(0), List.of(1, -1, 2), List.of(1), List.of(-1), List.of(2)), statements);
    }

    @Test
    void rowsThatWriteTheSameThingGoToTwoStatements() throws Exception {
        Future<Integer> first = submit(new Probe(0));
        awaitRunning(first);
        Future<Integer> a = submit(new Probe(1, "key k"));
        awaitWaiting(1);
        Future<Integer> b = submit(new Probe(2, "key k"));
        awaitWaiting(2);
        Future<Integer> c = submit(new Probe(3, "key j"));
        awaitWaiting(3);
        assertEquals(2, a.get(5, TimeUnit.SECONDS));
        assertEquals(4, b.get(5, TimeUnit.SECONDS));
        assertEquals(6, c.get(5, TimeUnit.SECONDS));
        assertEquals(List.of(List.of(0), List.of(1, 3), List.of(2)), statements);
    }

    @Test
    void aRowWhoseDeadlinePassesBeforeAStatementTakesItGivesUpUnrun() throws Exception {
        Future<Integer> first = submit(new Probe(0));
        awaitRunning(first);
        long started = System.nanoTime();
        Future<Integer> late = threads.submit(() -> Deadline.within(Deadline.after(Duration.ofMillis(100)),
                () -> DatabaseException.unchecked(() -> doubled.run(new Probe(5)))));
        Exception gaveUp = assertThrows(Exception.class, () -> late.get(5, TimeUnit.SECONDS));
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        SQLException sql = assertInstanceOf(SQLException.class, gaveUp.getCause().getCause());
        assertEquals("08001", sql.getSQLState(), "answered as no database in time: 503, nothing written");
        assertTrue(waitedMillis < 450, "gave up at its deadline, before the first statement ended: " + waitedMillis);
        assertEquals(0, first.get(5, TimeUnit.SECONDS));
        assertEquals(List.of(List.of(0)), statements, "the late row never ran");
    }

    private Future<Integer> submit(Probe probe) {
        Callable<Integer> call = () -> doubled.run(probe);
        return threads.submit(call);
    }

    /** Until the first statement runs (it holds the only turn for half a second). */
    private void awaitRunning(Future<Integer> first) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (statements.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertFalse(statements.isEmpty(), "the first statement started");
        assertFalse(first.isDone(), "and still runs");
    }

    /** Until {@code rows} rows wait for a statement (while the first still runs). */
    private void awaitWaiting(int rows) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (doubled.waitingRows() < rows && System.nanoTime() < until) {
            Thread.sleep(2);
        }
        assertEquals(rows, doubled.waitingRows());
        assertEquals(1, statements.size(), "while the first statement still runs");
    }
}
