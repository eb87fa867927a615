-- The processor is reached over the network, so a create runs in three atomic phases: (1) the key
-- and the payment, in status 'processing', committed together; (2) the processor call, outside any
-- transaction; (3) the outcome and the key's answer, committed together. Between 1 and 3 a payment
-- is 'processing': its outcome is not known yet, and whoever finishes it (the request, a retry with
-- the same key, the recovery job) finds everything it needs on this row.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('processing', 'succeeded', 'declined'));

-- The processor's Idempotency-Key for this payment's charge, derived from the payment id and fixed
-- at phase 1: every attempt at phase 2, by any instance, hits the same charge. Unique, so that two
-- payments can never share one charge. NULL only for payments of releases before the phases.
ALTER TABLE payments ADD COLUMN processor_key text UNIQUE CHECK (char_length(processor_key) BETWEEN 1 AND 255);

-- The processor's id of the charge (ch_...), known once phase 3 has recorded the outcome.
ALTER TABLE payments ADD COLUMN processor_charge_id text CHECK (char_length(processor_charge_id) BETWEEN 1 AND 255);

-- The Idempotency-Key that created the payment, so that phase 3 can store the answer on its key
-- row even when it runs in the recovery job, long after the request.
ALTER TABLE payments ADD COLUMN idempotency_key text;

-- Until when an attempt at phase 2 may still be running. The attempt that holds it is the only one
-- that calls the processor for the payment; anyone else waits for it, and takes over (moving the
-- lease) only once it has passed or was given back. A lease is a courtesy, not the safety: the
-- processor deduplicates on processor_key, and phase 3 finishes a payment once only.
ALTER TABLE payments ADD COLUMN attempt_until timestamptz;

-- When the outcome was recorded (phase 3).
ALTER TABLE payments ADD COLUMN finished_at timestamptz;

-- A processing payment has a processor key and a lease and no outcome yet; a finished payment of
-- this release knows when it finished.
ALTER TABLE payments ADD CONSTRAINT payments_processing_is_whole CHECK (
    status <> 'processing' OR (processor_key IS NOT NULL AND attempt_until IS NOT NULL
                               AND processor_charge_id IS NULL AND finished_at IS NULL));
-- The charge id is known exactly when a payment of this release has an outcome.
ALTER TABLE payments ADD CONSTRAINT payments_outcome_has_charge CHECK (
    processor_key IS NULL OR (status = 'processing') = (processor_charge_id IS NULL));

-- Payments are still never deleted, and the only change a payment may go through is the one from
-- 'processing' to its outcome (or a new lease on a processing payment): a finished payment is the
-- record that money moved, or that a card was declined, and nothing rewrites it. A trigger, not
-- the service's good manners, keeps it so.
CREATE FUNCTION payments_change_is_allowed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'processing' THEN
        RAISE EXCEPTION 'payment % is % and cannot change', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.id, NEW.merchant_id, NEW.amount, NEW.currency, NEW.payment_method, NEW.description, NEW.metadata,
        NEW.created_at, NEW.processor_key, NEW.idempotency_key)
       IS DISTINCT FROM
       (OLD.id, OLD.merchant_id, OLD.amount, OLD.currency, OLD.payment_method, OLD.description, OLD.metadata,
        OLD.created_at, OLD.processor_key, OLD.idempotency_key) THEN
        RAISE EXCEPTION 'payment % may change only its status, outcome and lease', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER payments_change_is_allowed BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_change_is_allowed();

-- The recovery job looks for payments processing for too long; they are few, so a partial index
-- keeps that look-up cheap however many finished payments there are.
CREATE INDEX payments_processing_idx ON payments (created_at) WHERE status = 'processing';

-- A key row is now committed in phase 1, linked to its payment but without an answer, which phase
-- 3 adds. The answer is whole or absent, and there is no answer without a payment.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_answer_is_whole;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_answer_is_whole CHECK (
    (response_status IS NULL) = (response_body IS NULL) AND (response_status IS NULL OR payment_id IS NOT NULL));

GRANT UPDATE ON payments TO "${runtime_role}";
