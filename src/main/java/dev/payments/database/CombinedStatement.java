package dev.payments.database;

import dev.payments.deadline.Deadline;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One statement for the rows of the requests that arrive together: a create's phase 1 (its key and
 * its payment) and phase 3 (its outcome, event and answer). For PostgreSQL most of a short write's
 * cost is the statement, not the row: setting up the plan, the CHECK constraints and PL/pgSQL
 * compiled for it, the commit. Rows that share a statement share that cost (docs/performance.md).
 *
 * <p>Nothing waits to fill a statement. A request whose row finds fewer than {@code atOnce}
 * statements running runs one at once, with every row waiting then (up to {@code maxRows}); rows
 * that come while those run wait for the next. Alone, a request runs its own row immediately.
 *
 * <p>The statement commits by itself, so its rows commit together or not at all. If PostgreSQL
 * refuses it (one row broke a rule, waited too long for a lock, deadlocked), no row was written,
 * and each is run again on its own, so that the refusal reaches the request whose row it is and
 * no other. If the connection broke, nobody knows whether it committed: every row's request gets
 * the error, as it would have for its own statement (503; the key resolves a retry).
 *
 * @param <R> a request's row
 * @param <O> what the statement says of it
 */
public final class CombinedStatement<R extends CombinedStatement.Row, O> {

    /** A request's row. */
    public interface Row {
        /**
         * What the row writes that no other row of the same statement may (its key, its payment):
         * two such rows go to two statements, one after the other, so that each sees what the
         * other did, as two requests' own statements would.
         */
        Object writes();
    }

    /** The statement for {@code rows}: what it says of each, in their order. */
    @FunctionalInterface
    public interface Statement<R, O> {
        List<O> run(List<R> rows) throws SQLException;
    }

    private final Statement<R, O> statement;
    private final int atOnce;
    private final int maxRows;
    private final ArrayDeque<Waiting<R, O>> waiting = new ArrayDeque<>();
    private int running;

    public CombinedStatement(Statement<R, O> statement, int atOnce, int maxRows) {
        if (atOnce < 1 || maxRows < 1) {
            throw new IllegalArgumentException("a combined statement runs at least one at once, of at least one row");
        }
        this.statement = statement;
        this.atOnce = atOnce;
        this.maxRows = maxRows;
    }

    /** What the statement says of {@code row}, run with the rows of other requests that came together. */
    public O run(R row) throws SQLException {
        Waiting<R, O> mine = new Waiting<>(row, Deadline.current());
        synchronized (this) {
            waiting.add(mine);
        }
        while (true) {
            List<Waiting<R, O>> rows;
            synchronized (this) {
                while (!mine.done && (mine.taken || running == atOnce)) {
                    waitForTurn(mine);
                }
                if (mine.done) {
                    if (mine.interrupted) {
                        Thread.currentThread().interrupt();
                    }
                    return mine.outcome();
                }
                running++;
                rows = next();
            }
            try {
                runTogether(rows);
            } finally {
                synchronized (this) {
                    running--;
                    notifyAll();
                }
            }
        }
    }

    /** The rows waiting for a statement to take them (for tests and the curious). */
    synchronized int waitingRows() {
        return waiting.size();
    }

    /**
     * Waits for a statement to end. A row still waiting (no statement took it) when its request's
     * deadline passes, or its thread is interrupted, gives up: nothing of it was written. A row a
     * running statement took waits for it: that statement's outcome is its request's.
     */
    private void waitForTurn(Waiting<R, O> mine) throws SQLException {
        // 0: until a statement ends (the end of each is notified)
        long millis = 0;
        if (mine.deadline.isPresent() && !mine.taken) {
            millis = mine.deadline.get().remaining().toMillis();
            if (millis <= 0) {
                waiting.remove(mine);
                throw new SQLTransientConnectionException("no statement for this request before its deadline", "08001");
            }
        }
        try {
            wait(millis);
        } catch (InterruptedException e) {
            mine.interrupted = true;
            if (waiting.remove(mine)) {
                Thread.currentThread().interrupt();
                throw new SQLTransientConnectionException("interrupted before its statement ran", "08001");
            }
        }
    }

    /**
     * The next statement's rows: a row to run again on its own; or, in the order they came, up to
     * maxRows of the others, passing over a row that writes what one taken writes (it waits for the
     * next statement).
     */
    private List<Waiting<R, O>> next() {
        List<Waiting<R, O>> rows = new ArrayList<>(Math.min(waiting.size(), maxRows));
        if (waiting.peekFirst().alone) {
            rows.add(waiting.pollFirst());
            rows.get(0).taken = true;
            return rows;
        }
        Set<Object> written = new HashSet<>();
        for (Iterator<Waiting<R, O>> each = waiting.iterator(); each.hasNext() && rows.size() < maxRows; ) {
            Waiting<R, O> w = each.next();
            if (!w.alone && written.add(w.row.writes())) {
                w.taken = true;
                rows.add(w);
                each.remove();
            }
        }
        return rows;
    }

    private void runTogether(List<Waiting<R, O>> rows) {
        List<O> outcomes;
        try {
            outcomes = Deadline.within(earliest(rows), () -> DatabaseException.unchecked(
                    () -> statement.run(rows.stream().map(w -> w.row).toList())));
        } catch (RuntimeException e) {
            if (rows.size() > 1 && e instanceof DatabaseException && DatabaseFailures.isRefusedStatement(e.getCause())) {
                runAloneAgain(rows);
            } else {
                finish(rows, null, e);
            }
            return;
        }
        if (outcomes.size() != rows.size()) {
            finish(rows, null, new IllegalStateException(
                    "a combined statement said " + outcomes.size() + " things of " + rows.size() + " rows"));
            return;
        }
        finish(rows, outcomes, null);
    }

    /**
     * The deadline the statement runs under: the earliest of its rows' (a job's row has none), so
     * that no request is answered after its own deadline because of another's row. Rows of one
     * statement arrived within milliseconds of each other, so their deadlines differ by as little.
     */
    private static Deadline earliest(List<? extends Waiting<?, ?>> rows) {
        return rows.stream().flatMap(w -> w.deadline.stream()).min(Comparator.comparing(Deadline::remaining))
                .orElse(null);
    }

    private synchronized void runAloneAgain(List<Waiting<R, O>> rows) {
        for (int i = rows.size() - 1; i >= 0; i--) {
            rows.get(i).alone = true;
            rows.get(i).taken = false;
            waiting.addFirst(rows.get(i));
        }
    }

    private synchronized void finish(List<Waiting<R, O>> rows, List<O> outcomes, RuntimeException failure) {
        for (int i = 0; i < rows.size(); i++) {
            Waiting<R, O> w = rows.get(i);
            w.outcome = outcomes == null ? null : outcomes.get(i);
            w.failure = failure;
            w.done = true;
        }
    }

    /** A request's row, until the statement that took it has ended. Guarded by the statement's monitor. */
    private static final class Waiting<R, O> {
        final R row;
        final Optional<Deadline> deadline;
        boolean alone;
        boolean taken;
        boolean interrupted;
        boolean done;
        O outcome;
        RuntimeException failure;

        Waiting(R row, Optional<Deadline> deadline) {
            this.row = row;
            this.deadline = deadline;
        }

        /** The row's outcome, or its statement's failure (as an exception of this request's own). */
        O outcome() throws SQLException {
            if (failure instanceof DatabaseException && failure.getCause() instanceof SQLException sql) {
                throw new SQLException(sql.getMessage(), sql.getSQLState(), sql.getErrorCode(), sql);
            }
            if (failure != null) {
                throw failure;
            }
            return outcome;
        }
    }
}
