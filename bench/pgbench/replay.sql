-- The statement the service runs for a create whose key exists (PaymentStore.INSERT_KEYS_AND_PAYMENTS
-- finds it taken and returns the stored answer in the same statement; the payment is not inserted),
-- for one create alone. The keys are made by the orchestrator before the run:
-- <replay_prefix>0 .. <replay_prefix><replay_keys - 1>.
\set r random(0, :replay_keys - 1)
WITH requests AS (
    SELECT gen_random_uuid() AS payment_id, 'acme' AS merchant_id, :replay_prefix || :r AS idempotency_key,
           'f6d3d2c1a0b9e8f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060' AS request_fingerprint,
           2500::bigint AS amount, 'EUR' AS currency, 'pm_card_visa' AS payment_method, 'bench' AS description,
           CAST('{}' AS jsonb) AS metadata, now() AS created_at, 'automatic' AS capture_method,
           6.0::float8 AS lease_seconds, 86400.0::float8 AS retention_seconds),
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
    RETURNING id, attempt_until)
SELECT r.payment_id AS this_payment_id, created.attempt_until,
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
      AND created.id IS NULL;
