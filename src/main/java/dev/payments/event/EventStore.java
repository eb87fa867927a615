package dev.payments.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.Database;
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

    private static final String COLUMNS = "id, type, created_at, data::text";

    private static final String FIND = "SELECT " + COLUMNS + " FROM events WHERE id = ? AND merchant_id = ?";

    /** The first page, newest first. */
    private static final String FIRST_PAGE = "SELECT " + COLUMNS + """

            FROM events
            WHERE merchant_id = ? AND (CAST(? AS text) IS NULL OR type = ?)
            ORDER BY created_at DESC, id DESC
            LIMIT ?""";

    /**
     * The page after a cursor, the last event of the previous page. A statement of its own, not the
     * first page's with "cursor IS NULL OR": the plan PostgreSQL caches for a prepared statement
     * cannot know whether the cursor is null, so it would filter every newer row instead of seeking
     * the index to the cursor.
     */
    private static final String PAGE_AFTER = "SELECT " + COLUMNS + """

            FROM events
            WHERE merchant_id = ? AND (CAST(? AS text) IS NULL OR type = ?)
              AND (created_at, id) < (SELECT created_at, id FROM events WHERE id = ? AND merchant_id = ?)
            ORDER BY created_at DESC, id DESC
            LIMIT ?""";

    private static final String EXISTS = "SELECT 1 FROM events WHERE id = ? AND merchant_id = ?";

    /**
     * One batch of the purge. No FOR UPDATE SKIP LOCKED as for keys: that would need UPDATE on a
     * table the service only appends to; two instances purging the same batch at once just find
     * the other's rows gone.
     */
    private static final String DELETE_EXPIRED = """
            DELETE FROM events
            WHERE id IN (SELECT id FROM events WHERE created_at < now() - make_interval(secs => ?)
                         ORDER BY created_at LIMIT ?)""";

    private final Database database;
    private final ObjectMapper json;

    EventStore(Database database, ObjectMapper json) {
        this.database = database;
        this.json = json;
    }

    public Optional<EventResponse> find(String merchantId, UUID id) throws SQLException {
        return database.one(FIND, this::event, id, merchantId);
    }

    /** Up to {@code limit} of the merchant's events (of {@code type}, if given), newest first, after {@code startingAfter}. */
    public List<EventResponse> page(String merchantId, String type, UUID startingAfter, int limit) throws SQLException {
        if (startingAfter == null) {
            return database.list(FIRST_PAGE, this::event, merchantId, type, type, limit);
        }
        return database.list(PAGE_AFTER, this::event, merchantId, type, type, startingAfter, merchantId, limit);
    }

    public boolean exists(String merchantId, UUID id) throws SQLException {
        return database.one(EXISTS, row -> true, id, merchantId).isPresent();
    }

    /** Deletes up to {@code batchSize} events older than {@code retention}, oldest first. */
    public int deleteExpired(Duration retention, int batchSize) throws SQLException {
        return database.update(DELETE_EXPIRED, Database.seconds(retention), batchSize);
    }

    private EventResponse event(ResultSet row) throws SQLException {
        try {
            return new EventResponse(row.getObject(1, UUID.class), row.getString(2),
                    row.getObject(3, OffsetDateTime.class).toInstant(),
                    json.readValue(row.getString(4), EventResponse.Data.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read a stored event", e);
        }
    }
}
