package dev.payments.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** How events reach merchants' endpoints: {@code payments.webhooks.*}. */
@ConfigMapping(prefix = "payments.webhooks")
public interface WebhooksConfig {
    /**
     * Also accept {@code http} URLs and loopback addresses, for receivers on the developer's own
     * machine. On in dev and test only: in production an endpoint must be https and public.
     */
    @WithDefault("false")
    boolean allowInsecureLocal();

    /** The ports an endpoint's URL may name (https's own and its usual alternative); any, with allow-insecure-local, for loopback. */
    @WithDefault("443,8443")
    Set<Integer> allowedPorts();

    /** Runs the delivery worker in this instance; off, events are still scheduled for another. */
    @WithDefault("true")
    boolean deliver();

    /**
     * How long an endpoint has to answer a delivery with a 2xx, from connecting to the status
     * line; past it the attempt failed and is retried. 5s is generous for a receiver that
     * stores the event and answers, which is what a receiver should do.
     */
    @WithDefault("5s")
    Duration timeout();

    /**
     * The first retry's delay; each next one doubles it (with jitter: a random half to all of
     * it), up to {@link #maxBackoff}. 1s makes a receiver's brief hiccup cost a second.
     */
    @WithDefault("1s")
    Duration initialBackoff();

    /** The longest pause between two attempts, so that a receiver back from an outage is reached within it. */
    @WithDefault("6h")
    Duration maxBackoff();

    /** A delivery still failing this long after it was scheduled is given up (failed for that endpoint). */
    @WithDefault("3d")
    Duration retryFor();

    /** An endpoint whose deliveries have all failed for this long is disabled. */
    @WithDefault("5d")
    Duration disableAfter();

    /** After a rotation the old secret keeps signing alongside the new one this long. */
    @WithDefault("24h")
    Duration secretOverlap();

    /**
     * How often the worker looks for due deliveries. Events written by this instance wake it
     * at once; this bounds the latency of the others' and of retries.
     */
    @WithDefault("1s")
    String pollInterval();

    /**
     * Attempts under way to one endpoint at most, across all instances: a slow or dead endpoint
     * holds no more than this, and the others' deliveries go on.
     */
    @WithDefault("8")
    int maxInFlightPerEndpoint();

    /** Attempts under way in this instance at most (sockets and memory). */
    @WithDefault("256")
    int maxInFlight();

    /** Endpoints per merchant at most: each event is sent to each, so this bounds an event's fan-out. */
    @WithDefault("16")
    int maxEndpointsPerMerchant();

    /**
     * The key that seals every stored signing secret (AES-256-GCM; see SealedSecrets): 32 random
     * bytes in base64 ({@code openssl rand -base64 32}), from a secret store (in Kubernetes the
     * Secret payment-service-webhooks). Required in production; dev, test and a demo make one per
     * run and say so. To rotate it: set the new key here and the old one in
     * previous-encryption-keys until ResealSecrets has sealed everything under the new one.
     */
    Optional<String> encryptionKey();

    /** Keys that no longer seal but still open (a rotation under way), in base64, comma-separated. */
    Optional<List<String>> previousEncryptionKeys();

    /** How often ResealSecrets seals again what is not sealed under the current key (and, once, at start). */
    @WithDefault("10m")
    String resealInterval();

    /**
     * The DNS server that resolves endpoints' hosts, host:port (WebhookResolver); by default the
     * machine's first (resolv.conf).
     */
    Optional<String> dnsServer();

    /**
     * How long a host's resolution may take, at registration (past it 400) and before each
     * delivery (past it a failed attempt, retried): a slow DNS server holds no thread, and never longer.
     */
    @WithDefault("2s")
    Duration dnsTimeout();
}
