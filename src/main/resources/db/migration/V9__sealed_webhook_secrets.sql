-- Webhook signing secrets are stored sealed (AES-256-GCM under a key from configuration, the
-- endpoint's id as associated data: webhook/SealedSecrets), as v1:<key id>:<base64url>, never in
-- clear; the answers stored on keys that carry one (register, rotate_secret) hold it sealed too.
--
-- The rows written before are sealed by the service (webhook/ResealSecrets, at start), which has the
-- key; a migration does not. Until every instance runs this version an older one may still write a
-- secret in clear, so both forms pass here; a later migration keeps only the sealed one.
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_secret_check;
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_previous_secret_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_secret_sealed CHECK (
    secret ~ '^v1:[0-9a-f]{8}:[A-Za-z0-9_-]{40,200}$' OR secret ~ '^whsec_[A-Za-z0-9_-]{32,}$');
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_previous_secret_sealed CHECK (
    previous_secret ~ '^v1:[0-9a-f]{8}:[A-Za-z0-9_-]{40,200}$' OR previous_secret ~ '^whsec_[A-Za-z0-9_-]{32,}$');
