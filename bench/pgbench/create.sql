-- The statements the service runs for new keys, one for one, so that pgbench measures what
-- PostgreSQL alone can do with them. Each commits by itself, as in the service: phase 1
-- (PaymentStore.INSERT_KEYS_AND_PAYMENTS: the keys and the processing payments in one statement) and
-- phase 3 (PaymentStore.FINISH_CREATES: the outcomes, their events, the answers); the processor call
-- of phase 2 happens between them. A pgbench client is :rows creates that arrive together and share
-- the two statements (the service's CombinedStatement; rows=1: a create alone). lock_timeout is set
-- per connection (PGOPTIONS), as the service sets it per pooled connection (and as its role's
-- default). The data follow the service's too: keys are a run prefix plus a per-client counter
-- (like bench/wrk/create.lua's), payment ids are time-ordered like the service's UUIDv7 (48 bits
-- of milliseconds, then random bits), so both insert into the same parts of the indexes. The
-- orchestrator defines run (a prefix unique to the run), n=0 and rows.
\set n :n + 1
WITH requests AS (
    SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
            || substr(replace(gen_random_uuid()::text, '-', ''), 13))::uuid AS payment_id,
           'acme' AS merchant_id, 'pgbench-' || :run || '-' || :client_id || '-' || :n || '-' || i AS idempotency_key,
           'f6d3d2c1a0b9e8f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060' AS request_fingerprint,
           2500::bigint AS amount, 'EUR' AS currency, 'pm_card_visa' AS payment_method, 'bench' AS description,
           CAST('{}' AS jsonb) AS metadata, now() AS created_at, 'automatic' AS capture_method,
           6.0::float8 AS lease_seconds, 86400.0::float8 AS retention_seconds
    FROM generate_series(1, :rows) AS i),
claimed AS (
    INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme,
                                  payment_id, resource_id)
    SELECT merchant_id, idempotency_key, request_fingerprint, 2, payment_id, payment_id
    FROM requests
    ORDER BY merchant_id, idempotency_key
    ON CONFLICT DO NOTHING
    RETURNING payment_id),
created AS (
    INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, description, metadata,
                          created_at, processor_key, idempotency_key, capture_method, attempt_until)
    SELECT r.payment_id, r.merchant_id, r.amount, r.currency, 'processing', r.payment_method, r.description,
           r.metadata, r.created_at, 'payment-' || r.payment_id || '-charge', r.idempotency_key, r.capture_method,
           now() + make_interval(secs => r.lease_seconds)
    FROM requests r JOIN claimed USING (payment_id)
    RETURNING id, attempt_until),
answers AS (
    SELECT r.payment_id AS this_payment_id, r.idempotency_key AS this_key, created.attempt_until,
           taken.request_fingerprint, taken.fingerprint_scheme, taken.payment_id,
           coalesce(taken.resource_id, taken.payment_id) AS resource_id,
           taken.response_status, taken.response_body,
           coalesce(taken.response_location,
                    CASE WHEN taken.response_status = 201 THEN '/payments/' || taken.payment_id END)
               AS response_location,
           taken.created_at < now() - make_interval(secs => r.retention_seconds) AS expired
    FROM requests r
    LEFT JOIN created ON created.id = r.payment_id
    LEFT JOIN idempotency_keys taken
           ON taken.merchant_id = r.merchant_id AND taken.idempotency_key = r.idempotency_key
          AND created.id IS NULL)
-- (the service reads the rows; pgbench keeps the payment ids and keys for phase 3)
SELECT CAST(array_agg(this_payment_id) AS text) AS payment_ids, CAST(array_agg(this_key) AS text) AS keys
FROM answers \gset
WITH outcomes AS (
    SELECT u.payment_id, 'succeeded' AS status, NULL::text AS decline_code, NULL::text AS failure_code,
           'ch_pgbench' AS processor_charge_id, 0::bigint AS amount_capturable, 2500::bigint AS amount_captured,
           'acme' AS merchant_id, u.idempotency_key, gen_random_uuid() AS event_id, 'payment.succeeded' AS event_type,
           CAST('{"id":"00000000-0000-7000-8000-000000000000","amount":2500,"currency":"EUR","status":"succeeded","payment_method":"pm_card_visa","description":"bench","metadata":{},"created_at":"2026-11-23T16:09:41.123456Z","capture_method":"automatic","amount_capturable":0,"amount_captured":2500,"amount_refunded":0}' AS jsonb) AS event_object,
           201 AS response_status,
           '{"id":"00000000-0000-7000-8000-000000000000","amount":2500,"currency":"EUR","status":"succeeded","payment_method":"pm_card_visa","description":"bench","metadata":{},"created_at":"2026-11-23T16:09:41.123456Z","capture_method":"automatic","amount_capturable":0,"amount_captured":2500,"amount_refunded":0}' AS response_body,
           '/payments/' || u.payment_id AS response_location
    FROM unnest(CAST(:payment_ids AS uuid[]), CAST(:keys AS text[])) AS u (payment_id, idempotency_key)),
finished AS (
    UPDATE payments p
    SET status = o.status, decline_code = o.decline_code, failure_code = o.failure_code,
        processor_charge_id = o.processor_charge_id,
        amount_capturable = o.amount_capturable, amount_captured = o.amount_captured,
        finished_at = now(), attempt_until = NULL
    FROM outcomes o
    WHERE p.id = o.payment_id AND p.status = 'processing'
    RETURNING p.id),
reported AS (
    INSERT INTO events (id, merchant_id, type, object_id, data)
    SELECT o.event_id, o.merchant_id, o.event_type, o.payment_id, jsonb_build_object('object', o.event_object)
    FROM outcomes o JOIN finished ON finished.id = o.payment_id),
answered AS (
    UPDATE idempotency_keys k
    SET response_status = o.response_status, response_body = o.response_body,
        response_location = o.response_location
    FROM outcomes o JOIN finished ON finished.id = o.payment_id
    WHERE k.merchant_id = o.merchant_id AND k.idempotency_key = o.idempotency_key
      AND coalesce(k.resource_id, k.payment_id) = o.payment_id AND k.response_status IS NULL)
SELECT id AS finished_payment_id FROM finished;
