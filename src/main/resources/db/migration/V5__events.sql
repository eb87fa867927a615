-- Events: every committed state change of a payment or a refund, written in the same statement as
-- the change (phase 3 of its operation), so that no change is ever unreported and no event reports
-- a change that did not commit. This table is the outbox that webhooks are delivered from.
CREATE TABLE events (
    id          uuid        PRIMARY KEY,
    merchant_id text        NOT NULL REFERENCES merchants (id),
    type        text        NOT NULL CHECK (type IN ('payment.succeeded', 'payment.declined', 'payment.requires_capture',
                                                     'payment.captured', 'payment.canceled', 'refund.succeeded',
                                                     'refund.failed')),
    -- the payment or refund the event is about
    object_id   uuid        NOT NULL,
    -- {"object": <the payment or refund as GET returns it at the moment of the change>}
    data        jsonb       NOT NULL CHECK (jsonb_typeof(data -> 'object') = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- GET /events: a merchant's events newest first, keyset pagination on (created_at, id).
CREATE INDEX events_merchant_created_idx ON events (merchant_id, created_at DESC, id DESC);
-- The retention job deletes the oldest events first, in batches.
CREATE INDEX events_created_idx ON events (created_at);

GRANT SELECT, INSERT, DELETE ON events TO "${runtime_role}";
