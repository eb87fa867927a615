-- Each attempt of a delivery, as a merchant debugging a failing endpoint needs it: when, how long,
-- the status code or the kind of error, and the first 1 KiB of the answer's body. The delivery's
-- row keeps the last attempt; these rows keep the last 25 of each delivery (each outcome's statement
-- deletes the older ones), and go with the delivery, so with its event (30 days).
CREATE TABLE webhook_delivery_attempts (
    delivery_id      uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt          integer     NOT NULL CHECK (attempt >= 1),
    started_at       timestamptz NOT NULL,
    duration_ms      integer     NOT NULL CHECK (duration_ms >= 0),
    -- the receiver's status, or NULL when no answer came (then error_kind says why)
    status_code      smallint    CHECK (status_code BETWEEN 100 AND 599),
    error_kind       text        CHECK (error_kind IN ('http_status', 'timeout', 'connection', 'url_refused',
                                                       'secret_unreadable', 'other')),
    error            text        CHECK (char_length(error) <= 500),
    response_excerpt text        CHECK (octet_length(response_excerpt) <= 1024),
    PRIMARY KEY (delivery_id, attempt),
    -- delivered (a 2xx, no error), answered otherwise (http_status), or no answer (another kind)
    CONSTRAINT webhook_delivery_attempts_outcome CHECK (
        (status_code BETWEEN 200 AND 299 AND error_kind IS NULL)
        OR (status_code NOT BETWEEN 200 AND 299 AND error_kind = 'http_status')
        OR (status_code IS NULL AND error_kind IS NOT NULL AND error_kind <> 'http_status'))
);

GRANT SELECT, INSERT, DELETE ON webhook_delivery_attempts TO "${runtime_role}";
