-- Seeds history straight into the tables (not through the API), for bench/growth.py: payments
-- i = :first .. :first + :count - 1 of a seed of :seed_count rows starting at :seed_first, spread
-- evenly in time over the :span_days days before now (minus a minute, so the benchmark's own
-- payments stay the newest), in time order, with ids time-ordered like the service's UUIDv7.
--   merchants: 30 % "acme" (the benchmark's merchant, so its lists are the longest), the rest over
--              49 seeded merchants, skewed (merchant k of 49 gets about (k^(1/2) - (k-1)^(1/2)) / 7);
--   outcomes:  90 % succeeded (3 % of those refunded in part, the refund row with them), 8 % declined,
--              1 % canceled authorizations, 1 % still requires_capture if of the last 6 days (older
--              ones canceled, as the service cancels authorizations at 7 days);
--   keys:      for payments of the last 22 h (inside the 24 h retention with margin: a benchmark run
--              must not see them expire), with their stored answer (the payment as created), as the service stores it;
--   events:    one per payment and per refund of the last 29 days (inside the 30 d retention).
-- Runs as the superuser with session_replication_role = replica, so the triggers that keep amounts
-- in step (refunds_move_payment_amounts) and schedule webhook deliveries do not fire: the rows are
-- written already consistent, and every CHECK constraint still applies to them.
BEGIN;
SET LOCAL session_replication_role = replica;
SET LOCAL synchronous_commit = off;

INSERT INTO merchants (id, name, api_key_sha256)
SELECT 'seed-m' || lpad(k::text, 2, '0'), 'Seeded merchant ' || k, encode(sha256(('sk_seed_' || k)::bytea), 'hex')
FROM generate_series(1, 49) k
ON CONFLICT DO NOTHING;

CREATE TEMP TABLE seed ON COMMIT DROP AS
SELECT i, t,
       (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0') || '7'
        || substr(md5(i::text || 'id'), 1, 3) || '8' || substr(md5(i::text || 'id'), 4, 15))::uuid AS id,
       CASE WHEN r1 < 0.3 THEN 'acme'
            ELSE 'seed-m' || lpad((1 + floor(49 * power((r1 - 0.3) / 0.7, 2)))::int::text, 2, '0') END AS merchant_id,
       (100 + floor(r2 * 50000))::bigint AS amount,
       CASE WHEN r3 < 0.7 THEN 'EUR' WHEN r3 < 0.9 THEN 'USD' ELSE 'GBP' END AS currency,
       CASE WHEN r4 < 0.90 THEN 'succeeded' WHEN r4 < 0.98 THEN 'declined'
            WHEN r4 < 0.99 OR t < now() - interval '6 days' THEN 'canceled' ELSE 'requires_capture' END AS status,
       r4 < 0.90 * 0.03 AS refunded
FROM (SELECT i, now() - interval '1 minute'
                   - make_interval(secs => :span_days * 86400.0 * (1 - (i - :seed_first)::float8 / :seed_count)) AS t,
             random() AS r1, random() AS r2, random() AS r3, random() AS r4
      FROM generate_series(:first, :first + :count - 1) i) g;

CREATE TEMP TABLE seed_rows ON COMMIT DROP AS
SELECT s.*,
       CASE WHEN status = 'succeeded' THEN amount ELSE 0 END AS captured,
       CASE WHEN refunded THEN amount / 2 ELSE 0 END AS refund_amount,
       jsonb_build_object('id', id, 'amount', amount, 'currency', currency, 'status', status,
                          'payment_method', 'pm_card_visa', 'description', 'Order #' || i,
                          'metadata', jsonb_build_object('order_id', i::text),
                          'created_at', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                          'capture_method', CASE WHEN status IN ('canceled', 'requires_capture') THEN 'manual'
                                                 ELSE 'automatic' END,
                          'amount_capturable', CASE WHEN status = 'requires_capture' THEN amount ELSE 0 END,
                          'amount_captured', CASE WHEN status = 'succeeded' THEN amount ELSE 0 END,
                          'amount_refunded', 0)
           || CASE WHEN status = 'declined' THEN '{"decline_code": "card_declined"}'::jsonb ELSE '{}' END
           || CASE WHEN status = 'canceled'
                   THEN jsonb_build_object('canceled_at', to_char((t + interval '1 hour') AT TIME ZONE 'UTC',
                                                                  'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                           'cancellation_reason', 'abandoned')
                   ELSE '{}' END AS body
FROM seed s;

INSERT INTO payments (id, merchant_id, amount, currency, status, decline_code, payment_method, description, metadata,
                      created_at, processor_key, processor_charge_id, idempotency_key, finished_at, capture_method,
                      amount_capturable, amount_captured, amount_refunded, canceled_at, cancellation_reason)
SELECT id, merchant_id, amount, currency, status, CASE WHEN status = 'declined' THEN 'card_declined' END,
       'pm_card_visa', 'Order #' || i, jsonb_build_object('order_id', i::text), t, 'payment-' || id || '-charge',
       'ch_' || substr(md5(i::text), 1, 24), 'seed-' || i, t + interval '80 milliseconds',
       CASE WHEN status IN ('canceled', 'requires_capture') THEN 'manual' ELSE 'automatic' END,
       CASE WHEN status = 'requires_capture' THEN amount ELSE 0 END, captured, refund_amount,
       CASE WHEN status = 'canceled' THEN t + interval '1 hour' END,
       CASE WHEN status = 'canceled' THEN 'abandoned' END
FROM seed_rows;

INSERT INTO refunds (id, payment_id, merchant_id, amount, currency, status, reason, created_at, processor_key,
                     processor_refund_id, idempotency_key, finished_at)
SELECT (lpad(to_hex((extract(epoch FROM t + interval '2 days') * 1000)::bigint), 12, '0') || '7'
        || substr(md5(i::text || 're'), 1, 3) || '8' || substr(md5(i::text || 're'), 4, 15))::uuid,
       id, merchant_id, refund_amount, currency, 'succeeded', 'requested_by_customer', t + interval '2 days',
       'refund-' || id || '-seed', 're_' || substr(md5(i::text), 1, 24), 'seed-refund-' || i,
       t + interval '2 days 80 milliseconds'
FROM seed_rows WHERE refunded;

INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme, payment_id,
                              resource_id, response_status, response_body, response_location, created_at)
SELECT merchant_id, 'seed-' || i, encode(sha256(('seed-' || i)::bytea), 'hex'), 2, id, id,
       CASE WHEN status = 'declined' THEN 402 ELSE 201 END, body::text,
       CASE WHEN status = 'declined' THEN NULL ELSE '/payments/' || id END, t
FROM seed_rows WHERE t > now() - interval '22 hours';

INSERT INTO events (id, merchant_id, type, object_id, data, created_at)
SELECT (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0') || '7'
        || substr(md5(i::text || 'ev'), 1, 3) || '8' || substr(md5(i::text || 'ev'), 4, 15))::uuid,
       merchant_id, 'payment.' || status, id, jsonb_build_object('object', body), t + interval '80 milliseconds'
FROM seed_rows WHERE t > now() - interval '29 days';
COMMIT;
