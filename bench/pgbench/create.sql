-- The statements the service runs for a new key, one for one, so that pgbench measures what
-- PostgreSQL alone can do with them. Each commits by itself, as in the service: phase 1
-- (PaymentStore.INSERT_KEY_AND_PAYMENT: the key and the processing payment in one statement) and phase 3
-- (PaymentStore.FINISH_CREATE: the outcome, its event, the answer); the processor call of phase 2 happens between them. lock_timeout is set
-- per connection (PGOPTIONS), as the service sets it per pooled connection (and as its role's
-- default). The data follow the service's too: keys are a run prefix plus a per-client counter
-- (like bench/wrk/create.lua's), payment ids are time-ordered like the service's UUIDv7 (48 bits
-- of milliseconds, then random bits), so both insert into the same parts of the indexes. The
-- orchestrator defines run (a prefix unique to the run) and n=0.
\set n :n + 1
WITH id AS (
    SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
            || substr(replace(gen_random_uuid()::text, '-', ''), 13))::uuid AS id),
claimed AS (
    INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme, payment_id,
                                  resource_id)
    SELECT 'acme', 'pgbench-' || :run || '-' || :client_id || '-' || :n, 'f6d3d2c1a0b9e8f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060', 2, id, id
    FROM id
    ON CONFLICT DO NOTHING
    RETURNING resource_id),
created AS (
    INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, description, metadata,
                          created_at, processor_key, idempotency_key, capture_method, attempt_until)
    SELECT resource_id, 'acme', 2500, 'EUR', 'processing', 'pm_card_visa', 'bench', CAST('{}' AS jsonb), now(),
           'payment-' || resource_id || '-charge', 'pgbench-' || :run || '-' || :client_id || '-' || :n, 'automatic',
           now() + make_interval(secs => 6)
    FROM claimed
    RETURNING id, attempt_until)
SELECT created.id AS payment_id, created.attempt_until,
       taken.request_fingerprint, taken.fingerprint_scheme, coalesce(taken.resource_id, taken.payment_id) AS resource_id,
       taken.response_status, taken.response_body,
       coalesce(taken.response_location,
                CASE WHEN taken.response_status = 201 THEN '/payments/' || taken.payment_id END) AS response_location,
       taken.created_at < now() - make_interval(secs => 86400) AS expired
FROM (VALUES (true)) AS this_request
LEFT JOIN created ON true
LEFT JOIN idempotency_keys taken
       ON taken.merchant_id = 'acme' AND taken.idempotency_key = 'pgbench-' || :run || '-' || :client_id || '-' || :n
      AND NOT EXISTS (SELECT FROM claimed) \gset
WITH finished AS (
    UPDATE payments SET status = 'succeeded', decline_code = NULL, processor_charge_id = 'ch_pgbench',
                        amount_capturable = 0, amount_captured = 2500, finished_at = now(), attempt_until = NULL
    WHERE id = :payment_id AND status = 'processing'
    RETURNING id),
reported AS (
    INSERT INTO events (id, merchant_id, type, object_id, data)
    SELECT gen_random_uuid(), 'acme', 'payment.succeeded', id,
           jsonb_build_object('object', CAST('{"id":"00000000-0000-7000-8000-000000000000","amount":2500,"currency":"EUR","status":"succeeded","payment_method":"pm_card_visa","description":"bench","metadata":{},"created_at":"2026-11-23T16:09:41.123456Z","capture_method":"automatic","amount_capturable":0,"amount_captured":2500,"amount_refunded":0}' AS jsonb))
    FROM finished),
answered AS (
    UPDATE idempotency_keys k SET response_status = 201,
        response_body = '{"id":"00000000-0000-7000-8000-000000000000","amount":2500,"currency":"EUR","status":"succeeded","payment_method":"pm_card_visa","description":"bench","metadata":{},"created_at":"2026-11-23T16:09:41.123456Z","capture_method":"automatic","amount_capturable":0,"amount_captured":2500,"amount_refunded":0}',
        response_location = '/payments/' || :payment_id
    FROM finished
    WHERE k.merchant_id = 'acme' AND k.idempotency_key = 'pgbench-' || :run || '-' || :client_id || '-' || :n
      AND coalesce(k.resource_id, k.payment_id) = finished.id AND k.response_status IS NULL)
SELECT count(*) AS finished FROM finished;
