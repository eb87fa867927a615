-- The transaction the service runs for a key that exists (IdempotencyStore.claim finds it
-- taken and returns the stored answer in the same statement). The keys are made by the
-- orchestrator before the run: <replay_prefix>0 .. <replay_prefix><replay_keys - 1>.
\set r random(0, :replay_keys - 1)
BEGIN;
WITH claimed AS (
    INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme)
    VALUES ('acme', :replay_prefix || :r, 'f6d3d2c1a0b9e8f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060', 2)
    ON CONFLICT DO NOTHING
    RETURNING true)
SELECT true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false FROM claimed
UNION ALL
SELECT false, request_fingerprint, fingerprint_scheme, payment_id, coalesce(resource_id, payment_id), response_status,
       response_body, coalesce(response_location, CASE WHEN response_status = 201 THEN '/payments/' || payment_id END),
       created_at < now() - make_interval(secs => 86400)
FROM idempotency_keys
WHERE merchant_id = 'acme' AND idempotency_key = :replay_prefix || :r AND NOT EXISTS (SELECT 1 FROM claimed);
COMMIT;
