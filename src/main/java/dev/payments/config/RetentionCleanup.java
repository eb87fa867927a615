package dev.payments.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The shape both purge jobs share (expired idempotency keys, old events): how long rows are kept,
 * and how the purge works through the rest, in short batches with a rest after each so that it
 * never competes with requests for long (docs/performance.md has the measurements).
 */
public interface RetentionCleanup {

    /** How long rows are kept. */
    Duration retention();

    /** How often the purge runs; a minute keeps the table close to its live size. */
    @WithDefault("1m")
    String cleanupInterval();

    /** Rows deleted per transaction: small batches keep each delete's locks and WAL short. */
    @WithDefault("1000")
    int cleanupBatchSize();

    /** Batches per run at most, so that one run is bounded even after a long outage. */
    @WithDefault("100")
    int cleanupMaxBatches();

    /** Rest after each batch of a run, leaving the database to requests while a backlog is worked through. */
    @WithDefault("100ms")
    Duration cleanupPause();
}
