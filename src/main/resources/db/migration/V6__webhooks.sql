-- Webhook endpoints: where a merchant wants its events POSTed, signed with the endpoint's secret.
CREATE TABLE webhook_endpoints (
    id                         uuid        PRIMARY KEY,
    merchant_id                text        NOT NULL REFERENCES merchants (id),
    -- checked by the service (https, an address that is not loopback, private or link-local) when
    -- registered and again before each delivery, since what a name resolves to can change
    url                        text        NOT NULL CHECK (char_length(url) <= 2048),
    -- event types, or '*' for all of them
    enabled_events             text[]      NOT NULL CHECK (
        cardinality(enabled_events) BETWEEN 1 AND 8
        AND enabled_events <@ ARRAY['*', 'payment.succeeded', 'payment.declined', 'payment.requires_capture',
                                    'payment.captured', 'payment.canceled', 'refund.succeeded', 'refund.failed']),
    description                text        CHECK (char_length(description) <= 500),
    status                     text        NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
    -- the HMAC key of every signature, shown to the merchant once (in the answer that made it)
    secret                     text        NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9_-]{32,}$'),
    -- after a rotation the old secret signs alongside the new one until it expires, so that a
    -- receiver can switch without missing a delivery
    previous_secret            text        CHECK (previous_secret ~ '^whsec_[A-Za-z0-9_-]{32,}$'),
    previous_secret_expires_at timestamptz,
    -- since when every delivery has failed (NULL after any success): disabled past a limit
    failing_since              timestamptz,
    disabled_at                timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_endpoints_id_merchant_unique UNIQUE (id, merchant_id),
    CONSTRAINT webhook_endpoints_previous_secret_expires CHECK (
        (previous_secret IS NULL) = (previous_secret_expires_at IS NULL)),
    CONSTRAINT webhook_endpoints_disabled_when CHECK ((status = 'disabled') = (disabled_at IS NOT NULL))
);

-- GET /webhook_endpoints (newest first, keyset pagination) and the fan-out of each event.
CREATE INDEX webhook_endpoints_merchant_idx ON webhook_endpoints (merchant_id, created_at DESC, id DESC);

-- A delivery's event belongs to the delivery's merchant, as its endpoint does.
ALTER TABLE events ADD CONSTRAINT events_id_merchant_unique UNIQUE (id, merchant_id);

-- One event to one endpoint: scheduled when the event is written (the trigger below), attempted
-- until a 2xx or the retry window ends. The row holds the last attempt; the service logs each.
CREATE TABLE webhook_deliveries (
    id               uuid        PRIMARY KEY,
    merchant_id      text        NOT NULL,
    endpoint_id      uuid        NOT NULL,
    event_id         uuid        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- when the retry window began: the event's time, or its redelivery's
    scheduled_at     timestamptz NOT NULL DEFAULT now(),
    -- when the next attempt is due; while an attempt runs, when its lease ends (if the instance
    -- sending it dies, the delivery is due again then)
    next_attempt_at  timestamptz,
    -- the attempt under way: only it may record its outcome, and no other instance takes the
    -- delivery before its lease ends, so one event is never sent to one endpoint twice at once
    attempt_id       uuid,
    last_attempt_at  timestamptz,
    last_status_code smallint,
    last_duration_ms integer,
    last_error       text        CHECK (char_length(last_error) <= 500),
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_deliveries_endpoint_of_merchant FOREIGN KEY (endpoint_id, merchant_id)
        REFERENCES webhook_endpoints (id, merchant_id) ON DELETE CASCADE,
    -- the events' retention purge takes their deliveries with them (3 days of retries end long before)
    CONSTRAINT webhook_deliveries_event_of_merchant FOREIGN KEY (event_id, merchant_id)
        REFERENCES events (id, merchant_id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_once_per_endpoint UNIQUE (endpoint_id, event_id),
    CONSTRAINT webhook_deliveries_due_while_pending CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
    CONSTRAINT webhook_deliveries_attempt_while_pending CHECK (attempt_id IS NULL OR status = 'pending'),
    CONSTRAINT webhook_deliveries_delivered_when CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);

-- The worker's claim: an endpoint's due deliveries, oldest due first.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
-- The attempts under way, counted per endpoint against its concurrency limit.
CREATE INDEX webhook_deliveries_in_flight_idx ON webhook_deliveries (endpoint_id, next_attempt_at)
    WHERE attempt_id IS NOT NULL;
-- The backlog's age (metrics): the oldest due delivery of all.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- GET /webhook_endpoints/{id}/deliveries, newest first.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
-- The purge of an event finds its deliveries.
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- Every event is scheduled for every enabled endpoint of its merchant subscribed to its type, in
-- the statement that writes the event (so in the transaction of the change it reports): no event
-- can commit without its deliveries.
CREATE FUNCTION events_schedule_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (id, merchant_id, endpoint_id, event_id, next_attempt_at)
    SELECT gen_random_uuid(), NEW.merchant_id, e.id, NEW.id, now()
    FROM webhook_endpoints e
    WHERE e.merchant_id = NEW.merchant_id AND e.status = 'enabled' AND e.enabled_events && ARRAY['*', NEW.type];
    RETURN NULL;
END
$$;

CREATE TRIGGER events_schedule_deliveries AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_schedule_deliveries();

-- Idempotency keys now also serve POSTs that concern no payment (webhook endpoints, redeliveries):
-- such a key names what it made or changed (resource_id) and has no payment_id. A key with an
-- answer still names what it is the answer about. 202 is a redelivery's answer.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_names_what_it_made;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_answer_is_whole;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_answer_is_whole CHECK (
    (response_status IS NULL) = (response_body IS NULL)
    AND (response_status IS NULL OR payment_id IS NOT NULL OR resource_id IS NOT NULL));
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_replayable_status;
ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_replayable_status CHECK (response_status IN (200, 201, 202, 402, 409));

GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO "${runtime_role}";
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_deliveries TO "${runtime_role}";
