-- Merchants are the tenants of the API. A merchant authenticates with a bearer API key; only the
-- key's SHA-256 digest is stored, so a leaked database does not leak usable keys.
CREATE TABLE merchants (
    id             text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name           text        NOT NULL,
    -- lower-case hex SHA-256 of the API key; unique so that a key names exactly one merchant
    api_key_sha256 text        NOT NULL UNIQUE CHECK (api_key_sha256 ~ '^[0-9a-f]{64}$'),
    -- demo merchants (payments.demo-merchants) authenticate only while that setting is true, so a
    -- database once used for a demo cannot be entered with the published demo keys in production
    demo           boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Payments are never deleted or updated: a payment row is the record that money moved (or that a
-- card was declined), whatever happens to the idempotency key that created it.
CREATE TABLE payments (
    id             uuid        PRIMARY KEY,
    merchant_id    text        NOT NULL REFERENCES merchants (id),
    -- minor units (cents): integers, never floating point
    amount         bigint      NOT NULL CHECK (amount BETWEEN 1 AND 99999999),
    -- ISO 4217 alphabetic code, upper case (text, not char(3): no blank padding, one string type)
    currency       text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status         text        NOT NULL CHECK (status IN ('succeeded', 'declined')),
    -- a decline code exactly when the payment was declined
    decline_code   text        CHECK ((status = 'declined') = (decline_code IS NOT NULL)),
    payment_method text        NOT NULL,
    description    text        CHECK (char_length(description) <= 500),
    metadata       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at     timestamptz NOT NULL
);

-- GET /payments lists a merchant's payments newest first with keyset pagination on
-- (created_at, id); this index serves both the order and the "starting_after" comparison.
CREATE INDEX payments_merchant_created_idx ON payments (merchant_id, created_at DESC, id DESC);

-- One row per (merchant, Idempotency-Key). The primary key IS the idempotency guarantee: the row
-- is inserted in the same transaction as the payment, so two requests with one key can never both
-- commit a payment. A concurrent insert of the same key waits on this index until the first
-- transaction ends, then either sees the committed row (and replays it) or, if the first rolled
-- back, inserts its own.
CREATE TABLE idempotency_keys (
    merchant_id         text        NOT NULL REFERENCES merchants (id),
    idempotency_key     text        NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path and the canonical JSON body: a reused key with another request is a
    -- client bug, answered 422 instead of silently replaying an unrelated payment
    request_fingerprint text        NOT NULL,
    -- the stored response, replayed byte for byte; NULL only inside the creating transaction,
    -- which nobody else can see, so a committed row always has a response
    payment_id          uuid        REFERENCES payments (id),
    response_status     smallint,
    response_body       text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (merchant_id, idempotency_key)
);

-- The expiry job deletes keys older than the retention period in small batches, oldest first.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
