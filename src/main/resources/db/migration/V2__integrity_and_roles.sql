-- Which fingerprint scheme computed request_fingerprint (RequestFingerprint): 1 is the form of the
-- releases before this one, 2 is the RFC 8785 canonical form. Old rows stay comparable by their
-- own scheme until they expire. The default is 1 so that an instance of the previous release,
-- still running during a rolling deploy, writes rows that say truthfully what they hold.
ALTER TABLE idempotency_keys
    ADD COLUMN fingerprint_scheme smallint NOT NULL DEFAULT 1 CHECK (fingerprint_scheme IN (1, 2));

-- A fingerprint is a lower-case hex SHA-256, whatever the scheme.
ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_fingerprint_is_sha256 CHECK (request_fingerprint ~ '^[0-9a-f]{64}$');

-- A key's answer is stored whole or not at all: a row with a payment but no body (or a body but no
-- status) could never be replayed, and the key would be stuck.
ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_answer_is_whole CHECK (
        (payment_id IS NULL) = (response_status IS NULL) AND (response_status IS NULL) = (response_body IS NULL));

-- Only answers the service knows how to replay: a created payment (201) or a declined one (402).
-- Errors are never stored: a request that failed did not consume its key.
ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_replayable_status CHECK (response_status IN (201, 402));

-- A key's payment belongs to the key's merchant: no bug can make one merchant's retry replay
-- another merchant's payment. The composite foreign key needs a unique (id, merchant_id), which
-- id alone already is; it replaces the foreign key on payment_id alone.
ALTER TABLE payments ADD CONSTRAINT payments_id_merchant_unique UNIQUE (id, merchant_id);
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_payment_id_fkey;
ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_payment_of_same_merchant
        FOREIGN KEY (payment_id, merchant_id) REFERENCES payments (id, merchant_id);

-- The service runs as a role of its own (quarkus.flyway.placeholders.runtime_role, by default the
-- datasource user) while Flyway migrates as the schema's owner. The runtime role reads and writes
-- rows and nothing more: no DDL, no TRUNCATE, no ownership. Each migration that adds a table grants
-- what the service needs of it. merchants takes INSERT only for the demo merchants' registration.
-- (When the datasource user is the owner itself, as in a one-role setup, these change nothing.)
GRANT USAGE ON SCHEMA ${flyway:defaultSchema} TO "${runtime_role}";
GRANT SELECT, INSERT ON merchants TO "${runtime_role}";
GRANT SELECT, INSERT ON payments TO "${runtime_role}";
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO "${runtime_role}";
