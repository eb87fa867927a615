-- The payment lifecycle: a payment may be authorized and captured later (capture_method manual),
-- canceled before capture, and refunded in parts. Each step is an idempotent POST in the same three
-- phases as a create: (1) the key and the step's record, committed together, with the payment row
-- locked; (2) the processor call, outside any transaction; (3) the outcome and the key's answer,
-- committed together. The amounts live on the payment row, and the constraints below keep them
-- true whatever the service does.

ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('processing', 'requires_capture', 'succeeded', 'declined', 'canceled'));

-- automatic: the processor charges at once; manual: it only authorizes, and a capture charges.
ALTER TABLE payments ADD COLUMN capture_method text NOT NULL DEFAULT 'automatic'
    CHECK (capture_method IN ('automatic', 'manual'));

-- Minor units, like amount (which stays the authorized amount): what a capture may still take,
-- what was captured, what was refunded, and what pending refunds hold back (reserved in the phase 1
-- of each refund, so that concurrent refunds can never add up to more than was captured).
ALTER TABLE payments ADD COLUMN amount_capturable bigint NOT NULL DEFAULT 0 CHECK (amount_capturable >= 0);
ALTER TABLE payments ADD COLUMN amount_captured bigint NOT NULL DEFAULT 0 CHECK (amount_captured >= 0);
ALTER TABLE payments ADD COLUMN amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0);
ALTER TABLE payments ADD COLUMN amount_refund_pending bigint NOT NULL DEFAULT 0 CHECK (amount_refund_pending >= 0);

ALTER TABLE payments ADD COLUMN canceled_at timestamptz;
ALTER TABLE payments ADD COLUMN cancellation_reason text
    CHECK (cancellation_reason IN ('requested_by_customer', 'duplicate', 'abandoned'));

-- A capture or a cancel under way (between its phase 1 and its phase 3): which, the amount to
-- capture or the reason to cancel, the Idempotency-Key whose answer phase 3 stores (none when the
-- service itself cancels an expired authorization), and since when. Its lease is attempt_until,
-- as for a create. At most one at a time, which is what makes capture and cancel exclusive.
ALTER TABLE payments ADD COLUMN pending_action text CHECK (pending_action IN ('capture', 'cancel'));
ALTER TABLE payments ADD COLUMN pending_amount bigint;
ALTER TABLE payments ADD COLUMN pending_reason text
    CHECK (pending_reason IN ('requested_by_customer', 'duplicate', 'abandoned'));
ALTER TABLE payments ADD COLUMN pending_key text;
ALTER TABLE payments ADD COLUMN pending_since timestamptz;

-- Payments of the releases before: every succeeded one was captured whole.
UPDATE payments SET amount_captured = amount WHERE status = 'succeeded';

-- What each status means for the amounts. Captured and canceled exclude each other by construction:
-- only 'succeeded' has anything captured, only 'canceled' has canceled_at.
ALTER TABLE payments ADD CONSTRAINT payments_amounts_match_status CHECK (
    CASE status
        WHEN 'requires_capture' THEN capture_method = 'manual' AND amount_capturable = amount AND amount_captured = 0
        WHEN 'succeeded' THEN amount_capturable = 0 AND amount_captured BETWEEN 1 AND amount
                              AND (capture_method = 'manual' OR amount_captured = amount)
        ELSE amount_capturable = 0 AND amount_captured = 0
    END);
ALTER TABLE payments ADD CONSTRAINT payments_canceled_when_canceled CHECK (
    (status = 'canceled') = (canceled_at IS NOT NULL)
    AND (cancellation_reason IS NULL OR status = 'canceled'));

-- THE refund invariant: what is refunded and what pending refunds hold back never exceeds what was
-- captured. Only a succeeded payment has refunds.
ALTER TABLE payments ADD CONSTRAINT payments_refunds_within_captured CHECK (
    amount_refunded + amount_refund_pending <= amount_captured
    AND (amount_refunded + amount_refund_pending = 0 OR status = 'succeeded'));

-- A pending action is whole, and only an authorized payment has one.
ALTER TABLE payments ADD CONSTRAINT payments_pending_action_is_whole CHECK (
    CASE
        WHEN pending_action IS NULL THEN pending_amount IS NULL AND pending_reason IS NULL AND pending_key IS NULL
                                         AND pending_since IS NULL
        ELSE status = 'requires_capture' AND attempt_until IS NOT NULL AND pending_since IS NOT NULL
             AND (pending_action = 'capture') = (pending_amount IS NOT NULL)
             AND pending_amount BETWEEN 1 AND amount
             AND (pending_action = 'cancel' OR pending_reason IS NULL)
    END);

-- The lease is held while something is under way: a create (processing) or an action.
ALTER TABLE payments ADD CONSTRAINT payments_lease_only_while_under_way CHECK (
    attempt_until IS NULL OR status = 'processing' OR pending_action IS NOT NULL);

-- The state machine, enforced here and not only in Java:
--   processing       -> requires_capture | succeeded | declined     (a create's phase 3)
--   requires_capture -> succeeded (captured) | canceled             (a capture's or cancel's phase 3)
--   succeeded        -> succeeded, only its refund amounts moving    (refunds)
--   declined, canceled: final.
-- What was agreed at creation never changes; the charge, once known, never changes; a refunded
-- amount only grows.
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
            OR (OLD.status = 'processing' AND NEW.status IN ('requires_capture', 'succeeded', 'declined'))
            OR (OLD.status = 'requires_capture' AND NEW.status IN ('succeeded', 'canceled'))) THEN
        RAISE EXCEPTION 'payment % may not go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- An instance of the release before, still running during a rolling deploy, finishes payments
    -- without knowing amount_captured: its captures are automatic and whole.
    IF OLD.status = 'processing' AND NEW.status = 'succeeded' AND NEW.capture_method = 'automatic'
       AND NEW.amount_captured = 0 THEN
        NEW.amount_captured := NEW.amount;
    END IF;
    IF OLD.status IN ('declined', 'canceled') THEN
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

-- Refunds: many per payment, each an idempotent POST of its own, each a processor call in phases.
-- Never deleted; a refund changes only from pending to its outcome (or takes a new lease).
CREATE TABLE refunds (
    id                  uuid        PRIMARY KEY,
    payment_id          uuid        NOT NULL,
    merchant_id         text        NOT NULL,
    amount              bigint      NOT NULL CHECK (amount BETWEEN 1 AND 99999999),
    currency            text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status              text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    reason              text        CHECK (reason IN ('requested_by_customer', 'duplicate', 'fraudulent')),
    metadata            jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at          timestamptz NOT NULL,
    -- the processor's Idempotency-Key for this refund, derived from its id: every attempt, by any
    -- instance, makes the same refund
    processor_key       text        NOT NULL UNIQUE CHECK (char_length(processor_key) BETWEEN 1 AND 255),
    processor_refund_id text        CHECK (char_length(processor_refund_id) BETWEEN 1 AND 255),
    -- why the processor failed it, for a failed refund
    failure_code        text        CHECK ((status = 'failed') = (failure_code IS NOT NULL)),
    idempotency_key     text        NOT NULL,
    -- the lease of the attempt at the processor call, while pending (see payments.attempt_until)
    attempt_until       timestamptz,
    finished_at         timestamptz,
    -- a refund is of a payment of the same merchant
    FOREIGN KEY (payment_id, merchant_id) REFERENCES payments (id, merchant_id),
    CHECK ((status = 'pending') = (attempt_until IS NOT NULL) AND (status = 'pending') = (finished_at IS NULL)),
    CHECK (status <> 'succeeded' OR processor_refund_id IS NOT NULL)
);

-- GET /payments/{id}/refunds: newest first, keyset pagination on (created_at, id).
CREATE INDEX refunds_payment_created_idx ON refunds (payment_id, created_at DESC, id DESC);
-- The recovery job's look-up of refunds pending too long; they are few.
CREATE INDEX refunds_pending_idx ON refunds (created_at) WHERE status = 'pending';

-- The payment's refund amounts follow its refunds, here and only here: a new refund holds its
-- amount back (pending), its outcome moves it to refunded or gives it back. The UPDATE takes the
-- payment's row lock and meets payments_refunds_within_captured, so no way of writing refunds can
-- over-refund a payment or let the amounts drift from the rows.
CREATE FUNCTION refunds_move_payment_amounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'pending' THEN
            RAISE EXCEPTION 'refund % must start pending', NEW.id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        UPDATE payments SET amount_refund_pending = amount_refund_pending + NEW.amount
        WHERE id = NEW.payment_id AND currency = NEW.currency;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'refund % is not in its payment''s currency', NEW.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'refund % is % and cannot change', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.id, NEW.payment_id, NEW.merchant_id, NEW.amount, NEW.currency, NEW.reason, NEW.metadata, NEW.created_at,
        NEW.processor_key, NEW.idempotency_key)
       IS DISTINCT FROM
       (OLD.id, OLD.payment_id, OLD.merchant_id, OLD.amount, OLD.currency, OLD.reason, OLD.metadata, OLD.created_at,
        OLD.processor_key, OLD.idempotency_key) THEN
        RAISE EXCEPTION 'refund % may change only its status, outcome and lease', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.status = 'succeeded' THEN
        UPDATE payments SET amount_refund_pending = amount_refund_pending - NEW.amount,
                            amount_refunded = amount_refunded + NEW.amount
        WHERE id = NEW.payment_id;
    ELSIF NEW.status = 'failed' THEN
        UPDATE payments SET amount_refund_pending = amount_refund_pending - NEW.amount WHERE id = NEW.payment_id;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER refunds_move_payment_amounts BEFORE INSERT OR UPDATE ON refunds
    FOR EACH ROW EXECUTE FUNCTION refunds_move_payment_amounts();

-- Payments with an action under way: the recovery job's look-up, and the expiry job's (authorized
-- payments by age); both are few against all payments.
CREATE INDEX payments_pending_action_idx ON payments (pending_since) WHERE pending_action IS NOT NULL;
CREATE INDEX payments_requires_capture_idx ON payments (created_at) WHERE status = 'requires_capture';

-- Idempotency keys now serve every POST. resource_id is what the key's operation made or changes
-- (the payment for a create, a capture or a cancel; the refund for a refund), the thing whose
-- unfinished attempt a retry waits for or takes over; payment_id stays the payment it concerns, with
-- its foreign key to the key's own merchant. The Location header is part of the answer, replayed
-- with it. An instance of the release before, still running during a rolling deploy, writes key
-- rows of creates without either: the service reads a missing resource_id as the payment_id and a
-- missing Location of a 201 as the payment's (IdempotencyStore).
ALTER TABLE idempotency_keys ADD COLUMN resource_id uuid;
ALTER TABLE idempotency_keys ADD COLUMN response_location text;
UPDATE idempotency_keys SET resource_id = payment_id;
UPDATE idempotency_keys SET response_location = '/payments/' || payment_id WHERE response_status = 201;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_names_what_it_made CHECK (
    resource_id IS NULL OR payment_id IS NOT NULL);

-- Answers the service knows how to replay: 201 created, 200 (a capture or a cancel), 402 declined,
-- 409 a state the operation was refused in (processed and refused, like a decline). Other errors are
-- never stored: a request that failed did not use up its key.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_replayable_status;
ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_replayable_status CHECK (response_status IN (200, 201, 402, 409));
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_location_with_answer CHECK (
    response_location IS NULL OR response_status IS NOT NULL);

GRANT SELECT, INSERT, UPDATE ON refunds TO "${runtime_role}";
