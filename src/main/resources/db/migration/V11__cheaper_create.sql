-- A create writes its payment row twice (phase 1 inserts it, phase 3 records the outcome), and
-- PostgreSQL checks every CHECK constraint of a table on each write by reading the constraint's
-- stored expression tree and planning it again, for every statement: nothing of it is kept between
-- statements. With the lifecycle's rules, 25 constraints on payments took about a quarter of
-- PostgreSQL's CPU per create (docs/performance.md). The same rules, under the same names, now live
-- in one function, which PL/pgSQL parses and plans once per connection (only the compiling of its
-- expression is left, once per transaction), and one CHECK constraint calls it. A row
-- that breaks a rule is refused as before: SQLSTATE 23514 (check_violation), the rule's name given
-- as the constraint's. NULL passes a rule, as it passes a CHECK constraint.
--
-- A later migration that changes a rule replaces this function, then drops and adds
-- payments_rules again (NOT VALID, then VALIDATE), so that the rows already there are checked too.
CREATE FUNCTION payments_rules_hold(
    amount bigint, currency text, status text, decline_code text, failure_code text, description text,
    metadata jsonb, id uuid, processor_key text, processor_charge_id text, attempt_until timestamptz,
    finished_at timestamptz, capture_method text, amount_capturable bigint, amount_captured bigint,
    amount_refunded bigint, amount_refund_pending bigint, canceled_at timestamptz, cancellation_reason text,
    pending_action text, pending_amount bigint, pending_reason text, pending_key text, pending_since timestamptz)
    RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    broken text := CASE
        -- what each column may hold (V1, V3, V4, V8)
        WHEN NOT (amount BETWEEN 1 AND 99999999) THEN 'payments_amount_check'
        WHEN NOT (currency ~ '^[A-Z]{3}$') THEN 'payments_currency_check'
        WHEN NOT (status IN ('processing', 'requires_capture', 'succeeded', 'declined', 'canceled', 'failed'))
            THEN 'payments_status_check'
        WHEN NOT (char_length(description) <= 500) THEN 'payments_description_check'
        WHEN NOT (jsonb_typeof(metadata) = 'object') THEN 'payments_metadata_check'
        WHEN NOT (char_length(processor_charge_id) BETWEEN 1 AND 255) THEN 'payments_processor_charge_id_check'
        WHEN NOT (char_length(failure_code) BETWEEN 1 AND 255) THEN 'payments_failure_code_check'
        WHEN NOT (capture_method IN ('automatic', 'manual')) THEN 'payments_capture_method_check'
        WHEN NOT (amount_capturable >= 0) THEN 'payments_amount_capturable_check'
        WHEN NOT (amount_captured >= 0) THEN 'payments_amount_captured_check'
        WHEN NOT (amount_refunded >= 0) THEN 'payments_amount_refunded_check'
        WHEN NOT (amount_refund_pending >= 0) THEN 'payments_amount_refund_pending_check'
        WHEN NOT (cancellation_reason IN ('requested_by_customer', 'duplicate', 'abandoned'))
            THEN 'payments_cancellation_reason_check'
        WHEN NOT (pending_action IN ('capture', 'cancel')) THEN 'payments_pending_action_check'
        WHEN NOT (pending_reason IN ('requested_by_customer', 'duplicate', 'abandoned'))
            THEN 'payments_pending_reason_check'
        -- the processor's key for the charge is the payment's id in a fixed form, so the primary key
        -- makes it unique: two payments can never share one charge (this replaces a unique index)
        WHEN NOT (processor_key = 'payment-' || id || '-charge') THEN 'payments_processor_key_is_the_id'
        -- a decline code exactly when declined, a failure code exactly when failed
        WHEN NOT ((status = 'declined') = (decline_code IS NOT NULL)) THEN 'payments_check'
        WHEN NOT ((status = 'failed') = (failure_code IS NOT NULL)) THEN 'payments_failure_code_when_failed'
        -- a processing payment has a processor key and a lease and no outcome yet (V3)
        WHEN NOT (status <> 'processing' OR (processor_key IS NOT NULL AND attempt_until IS NOT NULL
                                             AND processor_charge_id IS NULL AND finished_at IS NULL))
            THEN 'payments_processing_is_whole'
        -- the charge id is known exactly when a payment of this release was charged (V8)
        WHEN NOT (processor_key IS NULL OR (status IN ('processing', 'failed')) = (processor_charge_id IS NULL))
            THEN 'payments_outcome_has_charge'
        -- what each status means for the amounts (V4)
        WHEN NOT (CASE status
                      WHEN 'requires_capture' THEN capture_method = 'manual' AND amount_capturable = amount
                                                   AND amount_captured = 0
                      WHEN 'succeeded' THEN amount_capturable = 0 AND amount_captured BETWEEN 1 AND amount
                                            AND (capture_method = 'manual' OR amount_captured = amount)
                      ELSE amount_capturable = 0 AND amount_captured = 0
                  END) THEN 'payments_amounts_match_status'
        WHEN NOT ((status = 'canceled') = (canceled_at IS NOT NULL)
                  AND (cancellation_reason IS NULL OR status = 'canceled')) THEN 'payments_canceled_when_canceled'
        -- THE refund invariant: refunded and held back never exceed what was captured (V4)
        WHEN NOT (amount_refunded + amount_refund_pending <= amount_captured
                  AND (amount_refunded + amount_refund_pending = 0 OR status = 'succeeded'))
            THEN 'payments_refunds_within_captured'
        -- a pending capture or cancel is whole, and only an authorized payment has one (V4)
        WHEN NOT (CASE
                      WHEN pending_action IS NULL THEN pending_amount IS NULL AND pending_reason IS NULL
                                                       AND pending_key IS NULL AND pending_since IS NULL
                      ELSE status = 'requires_capture' AND attempt_until IS NOT NULL AND pending_since IS NOT NULL
                           AND (pending_action = 'capture') = (pending_amount IS NOT NULL)
                           AND pending_amount BETWEEN 1 AND amount
                           AND (pending_action = 'cancel' OR pending_reason IS NULL)
                  END) THEN 'payments_pending_action_is_whole'
        WHEN NOT (attempt_until IS NULL OR status = 'processing' OR pending_action IS NOT NULL)
            THEN 'payments_lease_only_while_under_way'
    END;
BEGIN
    IF broken IS NOT NULL THEN
        RAISE EXCEPTION 'new row for relation "payments" violates check constraint "%"', broken
            USING ERRCODE = 'check_violation', CONSTRAINT = broken, TABLE = 'payments';
    END IF;
    RETURN true;
END $$;

ALTER TABLE payments
    DROP CONSTRAINT payments_amount_check,
    DROP CONSTRAINT payments_currency_check,
    DROP CONSTRAINT payments_status_check,
    DROP CONSTRAINT payments_description_check,
    DROP CONSTRAINT payments_metadata_check,
    DROP CONSTRAINT payments_processor_key_check,
    DROP CONSTRAINT payments_processor_charge_id_check,
    DROP CONSTRAINT payments_failure_code_check,
    DROP CONSTRAINT payments_capture_method_check,
    DROP CONSTRAINT payments_amount_capturable_check,
    DROP CONSTRAINT payments_amount_captured_check,
    DROP CONSTRAINT payments_amount_refunded_check,
    DROP CONSTRAINT payments_amount_refund_pending_check,
    DROP CONSTRAINT payments_cancellation_reason_check,
    DROP CONSTRAINT payments_pending_action_check,
    DROP CONSTRAINT payments_pending_reason_check,
    DROP CONSTRAINT payments_check,
    DROP CONSTRAINT payments_failure_code_when_failed,
    DROP CONSTRAINT payments_processing_is_whole,
    DROP CONSTRAINT payments_outcome_has_charge,
    DROP CONSTRAINT payments_amounts_match_status,
    DROP CONSTRAINT payments_canceled_when_canceled,
    DROP CONSTRAINT payments_refunds_within_captured,
    DROP CONSTRAINT payments_pending_action_is_whole,
    DROP CONSTRAINT payments_lease_only_while_under_way,
    DROP CONSTRAINT payments_processor_key_key,
    -- checked for new writes at once; the rows already there just below, without blocking writes
    ADD CONSTRAINT payments_rules CHECK (payments_rules_hold(
        amount, currency, status, decline_code, failure_code, description, metadata, id, processor_key,
        processor_charge_id, attempt_until, finished_at, capture_method, amount_capturable, amount_captured,
        amount_refunded, amount_refund_pending, canceled_at, cancellation_reason, pending_action, pending_amount,
        pending_reason, pending_key, pending_since)) NOT VALID;
ALTER TABLE payments VALIDATE CONSTRAINT payments_rules;

-- Most events have no webhook endpoint to go to (a merchant without endpoints, or none subscribed
-- to the type). The endpoints are looked up first (one index look-up); the INSERT alone would open
-- webhook_deliveries and its six indexes for every event, to insert nothing.
CREATE OR REPLACE FUNCTION events_schedule_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    endpoints uuid[] := ARRAY(SELECT e.id FROM webhook_endpoints e
                              WHERE e.merchant_id = NEW.merchant_id AND e.status = 'enabled'
                                AND e.enabled_events && ARRAY['*', NEW.type]);
BEGIN
    IF cardinality(endpoints) > 0 THEN
        INSERT INTO webhook_deliveries (id, merchant_id, endpoint_id, event_id, next_attempt_at)
        SELECT gen_random_uuid(), NEW.merchant_id, endpoint, NEW.id, now() FROM unnest(endpoints) AS endpoint;
    END IF;
    RETURN NULL;
END
$$;

-- V8's state machine, unchanged in what it allows and refuses, decided in one expression: PL/pgSQL
-- prepares each expression of a function once per transaction, and an update of a payment is a
-- transaction of its own (phase 3), so five IF statements cost five preparations per update. The
-- amount V4 filled in for instances of the releases before it (amount_captured of an automatic
-- capture) is no longer filled in: no such instance runs beside this release.
CREATE OR REPLACE FUNCTION payments_change_is_allowed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    refused text := CASE
        WHEN (NEW.id, NEW.merchant_id, NEW.amount, NEW.currency, NEW.payment_method, NEW.description, NEW.metadata,
              NEW.created_at, NEW.processor_key, NEW.idempotency_key, NEW.capture_method)
             IS DISTINCT FROM
             (OLD.id, OLD.merchant_id, OLD.amount, OLD.currency, OLD.payment_method, OLD.description, OLD.metadata,
              OLD.created_at, OLD.processor_key, OLD.idempotency_key, OLD.capture_method)
            THEN 'may not change what was agreed at its creation'
        WHEN OLD.processor_charge_id IS NOT NULL AND NEW.processor_charge_id IS DISTINCT FROM OLD.processor_charge_id
            THEN 'may not change its charge'
        WHEN NOT (OLD.status = NEW.status
                  OR (OLD.status = 'processing' AND NEW.status IN ('requires_capture', 'succeeded', 'declined', 'failed'))
                  OR (OLD.status = 'requires_capture' AND NEW.status IN ('succeeded', 'canceled')))
            THEN 'may not go from ' || OLD.status || ' to ' || NEW.status
        WHEN OLD.status IN ('declined', 'canceled', 'failed') THEN 'is ' || OLD.status || ' and cannot change'
        WHEN OLD.status = 'succeeded'
             AND ((NEW.status, NEW.decline_code, NEW.amount_captured, NEW.canceled_at, NEW.finished_at)
                      IS DISTINCT FROM (OLD.status, OLD.decline_code, OLD.amount_captured, OLD.canceled_at, OLD.finished_at)
                  OR NEW.amount_refunded < OLD.amount_refunded)
            THEN 'is succeeded: only its refunds may change it'
    END;
BEGIN
    IF refused IS NOT NULL THEN
        RAISE EXCEPTION 'payment % %', OLD.id, refused USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
