-- The statement the service runs for a create whose key exists (PaymentStore.INSERT_KEY_AND_PAYMENT
-- finds it taken and returns the stored answer in the same statement; the payment is not inserted). The keys are made by the
-- orchestrator before the run: <replay_prefix>0 .. <replay_prefix><replay_keys - 1>.
\set r random(0, :replay_keys - 1)
WITH claimed AS (
    INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme, payment_id,
                                  resource_id)
    VALUES ('acme', :replay_prefix || :r, 'f6d3d2c1a0b9e8f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060', 2,
            gen_random_uuid(), gen_random_uuid())
    ON CONFLICT DO NOTHING
    RETURNING resource_id),
created AS (
    INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, description, metadata,
                          created_at, processor_key, idempotency_key, capture_method, attempt_until)
    SELECT resource_id, 'acme', 2500, 'EUR', 'processing', 'pm_card_visa', 'bench', CAST('{}' AS jsonb), now(),
           'payment-' || resource_id || '-charge', :replay_prefix || :r, 'automatic', now() + make_interval(secs => 6)
    FROM claimed
    RETURNING attempt_until)
SELECT created.attempt_until,
       taken.request_fingerprint, taken.fingerprint_scheme, taken.payment_id,
       coalesce(taken.resource_id, taken.payment_id) AS resource_id,
       taken.response_status, taken.response_body,
       coalesce(taken.response_location,
                CASE WHEN taken.response_status = 201 THEN '/payments/' || taken.payment_id END) AS response_location,
       taken.created_at < now() - make_interval(secs => 86400) AS expired
FROM (VALUES (true)) AS this_request
LEFT JOIN created ON true
LEFT JOIN idempotency_keys taken
       ON taken.merchant_id = 'acme' AND taken.idempotency_key = :replay_prefix || :r
      AND NOT EXISTS (SELECT FROM claimed);
