-- A charge the processor refuses as a request (400 or 422: an unknown payment method, say) ends the
-- payment: 'failed', with the processor's error code. Nothing was charged, so a failed payment has
-- no charge, and nothing changes it afterwards. (A refusal of our own API key, 401, is not the
-- payment's fault and ends nothing: the payment stays processing until the key is accepted.)
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('processing', 'requires_capture', 'succeeded', 'declined', 'canceled', 'failed'));

ALTER TABLE payments ADD COLUMN failure_code text CHECK (char_length(failure_code) BETWEEN 1 AND 255);
ALTER TABLE payments ADD CONSTRAINT payments_failure_code_when_failed CHECK ((status = 'failed') = (failure_code IS NOT NULL));

-- The charge id is known exactly when a payment of this release was charged (declined included).
ALTER TABLE payments DROP CONSTRAINT payments_outcome_has_charge;
ALTER TABLE payments ADD CONSTRAINT payments_outcome_has_charge CHECK (
    processor_key IS NULL OR (status IN ('processing', 'failed')) = (processor_charge_id IS NULL));

-- V4's state machine, with processing -> failed, and failed final.
CREATE OR REPLACE FUNCTION payments_change_is_allowed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.merchant_id, NEW.amount, NEW.currency, NEW.payment_method, NEW.description, NEW.metadata,
        NEW.created_at, NEW.processor_key, NEW.idempotency_key, NEW.capture_method)
       IS DISTINCT FROM
       (OLD.id, OLD.merchant_id, OLD.amount, OLD.currency, OLD.payment_method, OLD.description, OLD.metadata,
        OLD.created_at, OLD.processor_key, OLD.idempotency_key, OLD.capture_method) THEN
        RAISE EXCEPTION 'payment % may not change what was agreed at its creation', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.processor_charge_id IS NOT NULL AND NEW.processor_charge_id IS DISTINCT FROM OLD.processor_charge_id THEN
        RAISE EXCEPTION 'payment % may not change its charge', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NOT (OLD.status = NEW.status
            OR (OLD.status = 'processing' AND NEW.status IN ('requires_capture', 'succeeded', 'declined', 'failed'))
            OR (OLD.status = 'requires_capture' AND NEW.status IN ('succeeded', 'canceled'))) THEN
        RAISE EXCEPTION 'payment % may not go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status = 'processing' AND NEW.status = 'succeeded' AND NEW.capture_method = 'automatic'
       AND NEW.amount_captured = 0 THEN
        NEW.amount_captured := NEW.amount;
    END IF;
    IF OLD.status IN ('declined', 'canceled', 'failed') THEN
        RAISE EXCEPTION 'payment % is % and cannot change', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status = 'succeeded'
       AND ((NEW.status, NEW.decline_code, NEW.amount_captured, NEW.canceled_at, NEW.finished_at)
                IS DISTINCT FROM (OLD.status, OLD.decline_code, OLD.amount_captured, OLD.canceled_at, OLD.finished_at)
            OR NEW.amount_refunded < OLD.amount_refunded) THEN
        RAISE EXCEPTION 'payment % is succeeded: only its refunds may change it', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

-- Its event, and a webhook endpoint may subscribe to it.
ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type IN (
    'payment.succeeded', 'payment.declined', 'payment.requires_capture', 'payment.captured', 'payment.canceled',
    'payment.failed', 'refund.succeeded', 'refund.failed'));
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_enabled_events_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_enabled_events_check CHECK (
    cardinality(enabled_events) BETWEEN 1 AND 8
    AND enabled_events <@ ARRAY['*', 'payment.succeeded', 'payment.declined', 'payment.requires_capture',
                                'payment.captured', 'payment.canceled', 'payment.failed', 'refund.succeeded',
                                'refund.failed']);
