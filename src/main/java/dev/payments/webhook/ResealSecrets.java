package dev.payments.webhook;

import dev.payments.database.DatabaseException;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.idempotency.IdempotencyStore.StoredBody;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Seals again, under the current key, every stored secret that is not: the endpoints' secrets
 * (every {@code payments.webhooks.reseal-interval}, and at start) and the answers stored on keys
 * that carry one (at start, and every run while previous-encryption-keys are configured: it reads
 * the whole key table). Rows from before secrets were sealed (V9) are sealed the first time; after a
 * key rotation, the old key can be removed once a run has found nothing under it. Each batch is one
 * transaction with its rows locked, so a rotation or a request cannot interleave; a secret that does
 * not open (its key is not configured) is logged and left as it is.
 */
@ApplicationScoped
public class ResealSecrets {

    private static final Logger LOG = Logger.getLogger(ResealSecrets.class);
    private static final int BATCH = 100;
    private static final String SECRET_FIELD = "\"secret\":\"";

    private final SealedSecrets secrets;
    private final WebhookEndpointStore endpoints;
    private final IdempotencyStore keys;
    private final boolean rotating;
    private boolean answersDone;

    @Inject
    ResealSecrets(SealedSecrets secrets, WebhookEndpointStore endpoints, IdempotencyStore keys, WebhooksConfig config) {
        this(secrets, endpoints, keys, config.previousEncryptionKeys().filter(list -> !list.isEmpty()).isPresent());
    }

    /** {@code rotating}: older keys are configured, so the answers on keys are looked through on every run. */
    ResealSecrets(SealedSecrets secrets, WebhookEndpointStore endpoints, IdempotencyStore keys, boolean rotating) {
        this.secrets = secrets;
        this.endpoints = endpoints;
        this.keys = keys;
        this.rotating = rotating;
    }

    @Scheduled(identity = "reseal-webhook-secrets", every = "${payments.webhooks.reseal-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        int sealed = endpoints();
        if (rotating || !answersDone) {
            sealed += answers();
            answersDone = true;
        }
        if (sealed > 0) {
            LOG.infof("sealed %d stored webhook secret(s) again under key %s", sealed, secrets.currentPrefix());
        }
    }

    /** The endpoints' secrets; the number sealed again. */
    int endpoints() {
        int sealed = 0;
        UUID after = new UUID(0, 0);
        while (true) {
            UUID from = after;
            Batch done = QuarkusTransaction.requiringNew().call(() -> DatabaseException.unchecked(() -> {
                List<WebhookEndpointStore.StoredSecrets> rows = endpoints.toReseal(secrets.currentPrefix(), from, BATCH);
                int count = 0;
                for (WebhookEndpointStore.StoredSecrets row : rows) {
                    try {
                        endpoints.reseal(new WebhookEndpointStore.StoredSecrets(row.id(), secrets.underCurrentKey(row.secret(), row.id()),
                                row.previousSecret() == null ? null : secrets.underCurrentKey(row.previousSecret(), row.id())));
                        count++;
                    } catch (SealedSecrets.Unreadable e) {
                        LOG.warnf("webhook endpoint %s: its secret is left as it is: %s", row.id(), e.getMessage());
                    }
                }
                return new Batch(count, rows.size(), rows.isEmpty() ? null : rows.get(rows.size() - 1).id());
            }));
            sealed += done.sealed();
            if (done.read() < BATCH) {
                return sealed;
            }
            after = done.last();
        }
    }

    /** The answers stored on keys that carry a secret; the number sealed again. */
    int answers() {
        int sealed = 0;
        String afterMerchant = "";
        String afterKey = "";
        while (true) {
            String fromMerchant = afterMerchant;
            String fromKey = afterKey;
            Answers done = QuarkusTransaction.requiringNew().call(() -> DatabaseException.unchecked(() -> {
                List<StoredBody> batch = keys.answersToRewrite(SECRET_FIELD, SECRET_FIELD + secrets.currentPrefix(),
                        fromMerchant, fromKey, BATCH);
                int count = 0;
                for (StoredBody row : batch) {
                    try {
                        String body = secrets.resealAnswer(row.body());
                        if (!body.equals(row.body())) {
                            keys.rewriteAnswer(new StoredBody(row.merchantId(), row.key(), body));
                            count++;
                        }
                    } catch (SealedSecrets.Unreadable e) {
                        LOG.warnf("a stored answer of merchant %s: its secret is left as it is: %s", row.merchantId(),
                                e.getMessage());
                    }
                }
                return new Answers(count, batch);
            }));
            sealed += done.sealed();
            if (done.rows().size() < BATCH) {
                return sealed;
            }
            afterMerchant = done.rows().get(BATCH - 1).merchantId();
            afterKey = done.rows().get(BATCH - 1).key();
        }
    }

    private record Batch(int sealed, int read, UUID last) {
    }

    private record Answers(int sealed, List<StoredBody> rows) {
    }
}
