package dev.payments.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.Database;
import dev.payments.database.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Reads and purges the events table; events are written only with their change, in phase 3 of its operation. */
@ApplicationScoped
public class EventStore {

    private static final Sql FIND = Sql.of("""
            SELECT id, type, created_at, data::text AS data
            FROM events
            WHERE id = :event_id AND merchant_id = :merchant_id""");

    /** The first page, newest first. */
    private static final Sql FIRST_PAGE = Sql.of("""
            SELECT id, type, created_at, data::text AS data
            FROM events
            WHERE merchant_id = :merchant_id AND (CAST(:type AS text) IS NULL OR type = :type)
            ORDER BY created_at DESC, id DESC
            LIMIT :page_size""");

    /**
     * The page after a cursor, the last event of the previous page. A statement of its own, not the
     * first page's with "cursor IS NULL OR": the plan PostgreSQL caches for a prepared statement
     * cannot know whether the cursor is null, so it would filter every newer row instead of seeking
     * the index to the cursor.
     */
    private static final Sql PAGE_AFTER = Sql.of("""
            SELECT id, type, created_at, data::text AS data
            FROM events
            WHERE merchant_id = :merchant_id AND (CAST(:type AS text) IS NULL OR type = :type)
              AND (created_at, id) < (SELECT created_at, id FROM events WHERE id = :cursor AND merchant_id = :merchant_id)
            ORDER BY created_at DESC, id DESC
            LIMIT :page_size""");

    private static final Sql EXISTS = Sql.of("""
            SELECT EXISTS (SELECT FROM events WHERE id = :event_id AND merchant_id = :merchant_id) AS found""");

    /**
     * One batch of the purge. No FOR UPDATE SKIP LOCKED as for keys: that would need UPDATE on a
     * table the service only appends to; two instances purging the same batch at once just find
     * the other's rows gone.
     */
    private static final Sql DELETE_EXPIRED = Sql.of("""
            DELETE FROM events
            WHERE id IN (SELECT id FROM events WHERE created_at < now() - make_interval(secs => :retention_seconds)
                         ORDER BY created_at LIMIT :batch_size)""");

    private final Database database;
    private final ObjectMapper json;

    EventStore(Database database, ObjectMapper json) {
        this.database = database;
        this.json = json;
    }

    public Optional<EventResponse> find(String merchantId, UUID id) throws SQLException {
        return database.one(FIND, Sql.with("event_id", id).and("merchant_id", merchantId), this::event);
    }

    /** Up to {@code limit} of the merchant's events (of {@code type}, if given), newest first, after {@code startingAfter}. */
    public List<EventResponse> page(String merchantId, String type, UUID startingAfter, int limit) throws SQLException {
        Sql.Parameters page = Sql.with("merchant_id", merchantId).and("type", type).and("page_size", limit);
        if (startingAfter == null) {
            return database.list(FIRST_PAGE, page, this::event);
        }
        return database.list(PAGE_AFTER, page.and("cursor", startingAfter), this::event);
    }

    public boolean exists(String merchantId, UUID id) throws SQLException {
        return database.one(EXISTS, Sql.with("event_id", id).and("merchant_id", merchantId), row -> row.getBoolean("found"))
                .orElseThrow();
    }

    /** Deletes up to {@code batchSize} events older than {@code retention}, oldest first. */
    public int deleteExpired(Duration retention, int batchSize) throws SQLException {
        return database.update(DELETE_EXPIRED, Sql.with("retention_seconds", Database.seconds(retention))
                .and("batch_size", batchSize));
    }

    private EventResponse event(ResultSet row) throws SQLException {
        try {
            return new EventResponse(row.getObject("id", UUID.class), row.getString("type"),
                    row.getObject("created_at", OffsetDateTime.class).toInstant(),
                    json.readValue(row.getString("data"), EventResponse.Data.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read a stored event", e);
        }
    }
}
