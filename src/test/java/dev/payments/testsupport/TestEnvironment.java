package dev.payments.testsupport;

import dev.payments.localdb.LocalPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * What every test runs against, in process ({@code @QuarkusTest}) or against the packaged jar
 * ({@code @QuarkusIntegrationTest}): the processor simulator, over HTTP in a process of its own
 * ({@link Simulator}), and a real PostgreSQL: the one in QUARKUS_DATASOURCE_JDBC_URL if set, else a
 * {@link LocalPostgres} (a Docker container, else embedded), which the service uses as its
 * runtime role and Flyway as the owner. Also switches on what the tests need in every profile:
 * the demo merchants, a fast expiry job, and rate limits only the rate-limit test reaches.
 */
public class TestEnvironment implements QuarkusTestResourceLifecycleManager {

    private static final Logger LOG = Logger.getLogger(TestEnvironment.class);

    /** Short enough that the 409 test is quick, long enough that a racing burst never reaches it. */
    public static final String LOCK_TIMEOUT = "2s";

    /** Short, so that the slow-receiver tests are quick; a receiver that waits longer times the attempt out. */
    public static final String WEBHOOK_TIMEOUT = "1s";

    /** Seals the webhook secrets of every instance the tests start on their database (a published test key). */
    public static final String WEBHOOK_ENCRYPTION_KEY = "dGVzdC1vbmx5LXdlYmhvb2stZW5jcnlwdGlvbi1rZXk=";

    private LocalPostgres postgres;
    private FakeDns dns;
    private Simulator simulator;
    private BalancedService balanced;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        // demo settings in the packaged jar (the prod profile) need payments.demo, as compose's demo does
        config.put("payments.demo", "true");
        config.put("payments.demo-merchants", "true");
        // the management interface on a free port, in process (test-port) and for the packaged jar (port)
        int management = FreePorts.next();
        System.setProperty(Api.MANAGEMENT_PORT, String.valueOf(management));
        config.put("quarkus.management.test-port", String.valueOf(management));
        config.put("quarkus.management.port", String.valueOf(management));
        config.put("payments.idempotency.cleanup-interval", "1s");
        config.put("payments.events.cleanup-interval", "1s");
        config.put("payments.database.lock-timeout", LOCK_TIMEOUT);
        // the tests' bursts (200 concurrent payments) stay far below the limit, except for the one
        // merchant the rate-limit test registers
        config.put("payments.rate-limit.requests-per-second", "100000");
        config.put("payments.rate-limit.burst", "100000");
        // and so do they stay below the load-shedding limit, except in LoadSheddingTest
        config.put("payments.overload.limit", "fixed");
        config.put("payments.overload.max-concurrent-requests", "100000");
        config.put("payments.rate-limit.merchants." + Api.THROTTLED, String.valueOf(Api.THROTTLED_RATE));
        // webhooks to the tests' receivers on loopback, retried and timed out fast
        config.put("payments.webhooks.allow-insecure-local", "true");
        config.put("payments.webhooks.initial-backoff", "100ms");
        config.put("payments.webhooks.max-backoff", "1s");
        config.put("payments.webhooks.timeout", WEBHOOK_TIMEOUT);
        config.put("payments.webhooks.poll-interval", "200ms");
        config.put("payments.webhooks.encryption-key", WEBHOOK_ENCRYPTION_KEY);
        // endpoints' names are resolved by a DNS server the tests control (and can make hang)
        dns = FakeDns.start();
        config.put("payments.webhooks.dns-server", dns.address());
        // the processor is the simulator, over HTTP, in a process of its own
        simulator = Simulator.start(0);
        System.setProperty(Simulator.URL_PROPERTY, simulator.url());
        config.put("payments.processor.url", simulator.url());
        config.put("payments.processor.api-key", Simulator.API_KEY);
        config.put("payments.processor.recovery-interval", "1s");
        config.put("payments.processor.recovery-after", "2s");
        String configuredUrl = System.getenv("QUARKUS_DATASOURCE_JDBC_URL");
        if (configuredUrl != null && !configuredUrl.isBlank()) {
            LOG.infof("Database: using the configured QUARKUS_DATASOURCE_JDBC_URL (%s)", configuredUrl);
            String user = System.getenv("QUARKUS_DATASOURCE_USERNAME");
            String password = System.getenv("QUARKUS_DATASOURCE_PASSWORD");
            TestDatabase.use(configuredUrl, user, password, user, password);
            return Service.instances() > 1 ? balanced(config, configuredUrl, user, password, user, password) : config;
        }
        postgres = LocalPostgres.start();
        TestDatabase.use(postgres.jdbcUrl(), postgres.adminUsername(), postgres.adminPassword(),
                postgres.appUsername(), postgres.appPassword());
        if (Service.instances() > 1) {
            return balanced(config, postgres.jdbcUrl(), postgres.appUsername(), postgres.appPassword(),
                    postgres.ownerUsername(), postgres.ownerPassword());
        }
        config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
        config.put("quarkus.datasource.username", postgres.appUsername());
        config.put("quarkus.datasource.password", postgres.appPassword());
        config.put("quarkus.flyway.username", postgres.ownerUsername());
        config.put("quarkus.flyway.password", postgres.ownerPassword());
        return config;
    }

    /**
     * The tests through a balancer ({@code -Dpayments.test.instances=3}, integration tests only):
     * that many instances of the packaged service, each with {@code config}, on one database, behind
     * HAProxy ({@link BalancedService}); and the tests pointed at the balancer instead of a jar of
     * their own (Quarkus runs an integration test against {@code quarkus.http.test-host} when set).
     * The management interface the tests read is the first instance's.
     */
    private Map<String, String> balanced(Map<String, String> config, String jdbcUrl, String user, String password,
            String owner, String ownerPassword) {
        balanced = new BalancedService("suite", Service.instances(),
                name -> new ServiceProcess(name, jdbcUrl, user, password, owner, ownerPassword));
        // each instance has a management port of its own
        config.keySet().removeIf(name -> name.startsWith("quarkus.management."));
        config.forEach(balanced::withProperty);
        try {
            balanced.start();
        } catch (Exception e) {
            throw new IllegalStateException("the balanced instances did not start", e);
        }
        System.setProperty(Api.MANAGEMENT_PORT, String.valueOf(balanced.instance(0).managementPort));
        LOG.infof("Service: %d instances behind the balancer at %s", Service.instances(), balanced.baseUrl());
        return Map.of("quarkus.http.test-host", "127.0.0.1", "quarkus.http.test-port", String.valueOf(balanced.port()));
    }

    @Override
    public void stop() {
        if (balanced != null) {
            try {
                balanced.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (simulator != null) {
            simulator.close();
        }
        if (dns != null) {
            dns.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
