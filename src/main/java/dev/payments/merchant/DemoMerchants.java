package dev.payments.merchant;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

/**
 * Registers the demo merchants when {@code payments.demo-merchants} is true. Their keys are the
 * published test keys sk_test_acme and sk_test_globex; only their SHA-256 digests are kept here.
 * The rows are marked demo, and demo rows stop authenticating as soon as the setting is false.
 */
@ApplicationScoped
public class DemoMerchants {

    private static final Logger LOG = Logger.getLogger(DemoMerchants.class);

    /** SHA-256 of "sk_test_acme". */
    static final String ACME_KEY_SHA256 = "0c24ce40313b1ce2b6daefa9dea10a4d3290af661123f6d499a3567b80d5ed49";
    /** SHA-256 of "sk_test_globex". */
    static final String GLOBEX_KEY_SHA256 = "d588a5beb7a21e90ab68a64c0db32cee0d9a75aaec9a8e4ab3f5008f56f84e91";

    private final MerchantsConfig config;
    private final EntityManager entityManager;

    DemoMerchants(MerchantsConfig config, EntityManager entityManager) {
        this.config = config;
        this.entityManager = entityManager;
    }

    void register(@Observes StartupEvent startup) {
        if (!config.demoMerchants()) {
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            register("acme", "Acme Corporation", ACME_KEY_SHA256);
            register("globex", "Globex Corporation", GLOBEX_KEY_SHA256);
        });
        LOG.info("demo merchants enabled: acme and globex (their test keys are in README)");
    }

    private void register(String id, String name, String keySha256) {
        // DO NOTHING, not DO UPDATE: a real merchant that happens to be called acme keeps its own key
        entityManager.createNativeQuery("""
                        INSERT INTO merchants (id, name, api_key_sha256, demo) VALUES (?1, ?2, ?3, true)
                        ON CONFLICT DO NOTHING""")
                .setParameter(1, id)
                .setParameter(2, name)
                .setParameter(3, keySha256)
                .executeUpdate();
    }
}
