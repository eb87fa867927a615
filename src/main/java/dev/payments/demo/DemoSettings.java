package dev.payments.demo;

import dev.payments.config.DemoConfig;
import dev.payments.config.StartRefused;
import dev.payments.merchant.MerchantsConfig;
import dev.payments.playground.PlaygroundConfig;
import dev.payments.processor.ProcessorConfig;
import dev.payments.webhook.WebhooksConfig;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The settings a demo needs and production must not have: the demo merchants (published keys),
 * webhooks to http and loopback receivers (a merchant could make the service POST to a sidecar's
 * admin port), the in-process demo processor (nothing is charged), and the processor's API key
 * sent over plain http to another host, the playground page. Outside dev and
 * test the service refuses to start with any of them unless {@code payments.demo=true}
 * ({@code PAYMENTS_DEMO=true}, which docker/demo.env sets) says this is a demo; then it logs a
 * warning per setting, every start.
 */
@ApplicationScoped
public class DemoSettings {

    private static final Logger LOG = Logger.getLogger(DemoSettings.class);

    private final boolean demo;
    private final MerchantsConfig merchants;
    private final WebhooksConfig webhooks;
    private final ProcessorConfig processor;
    private final PlaygroundConfig playground;

    DemoSettings(DemoConfig config, MerchantsConfig merchants, WebhooksConfig webhooks, ProcessorConfig processor,
            PlaygroundConfig playground) {
        this.demo = config.demo();
        this.merchants = merchants;
        this.webhooks = webhooks;
        this.processor = processor;
        this.playground = playground;
    }

    /** Before the other start-up observers (the delivery worker's, say): a refused start does nothing first. */
    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return; // dev mode and the tests run on demo settings by design
        }
        List<String> found = found();
        if (found.isEmpty()) {
            return;
        }
        if (!demo) {
            throw new StartRefused("demo settings in production: " + String.join("; ", found)
                    + ". Turn them off, or set PAYMENTS_DEMO=true if this really is a demo");
        }
        found.forEach(setting -> LOG.warnf("PAYMENTS_DEMO=true: %s; never run anything real like this", setting));
    }

    /** Each demo setting that is on, as a sentence naming it. */
    List<String> found() {
        List<String> found = new ArrayList<>();
        if (merchants.demoMerchants()) {
            found.add("payments.demo-merchants is on (acme and globex, whose keys are published)");
        }
        if (webhooks.allowInsecureLocal()) {
            found.add("payments.webhooks.allow-insecure-local is on (webhooks to http and loopback addresses)");
        }
        if (processor.adapter().equals("demo") || processor.adapter().equals("auto") && processor.url().isEmpty()) {
            found.add("the processor is the in-process demo processor (no payments.processor.url): no money moves");
        }
        if (playground.enabled()) {
            found.add("payments.playground.enabled is on (a page with scripts on the API's origin, filled in with a demo key)");
        }
        processor.url().filter(url -> processor.apiKey().isPresent() && !safeForKey(url)).ifPresent(url ->
                found.add("payments.processor.url is " + url + ": the processor's API key would cross the network "
                        + "unencrypted (use https; plain http only to loopback)"));
        return found;
    }

    /** https, or plain http to this machine only. */
    static boolean safeForKey(URI url) {
        if ("https".equalsIgnoreCase(url.getScheme())) {
            return true;
        }
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // a literal address only: a name would need a look-up, and what it resolves to can change
            boolean literal = host.matches("[0-9.]+") || host.startsWith("[");
            return literal && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
