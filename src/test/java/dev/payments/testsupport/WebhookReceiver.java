package dev.payments.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real webhook receiver over HTTP on loopback, as a merchant would write one: it verifies every
 * delivery's signature (HMAC-SHA256 over "t.body" with each secret it knows, timestamps older
 * than 5 minutes refused) and records what it got. Each hook (a path) can be told to fail its next
 * deliveries with a 500 or to hang before answering.
 */
public final class WebhookReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TOLERANCE_SECONDS = 300;

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Hook> hooks = new ConcurrentHashMap<>();
    private final AtomicInteger names = new AtomicInteger();

    private WebhookReceiver(HttpServer server) {
        this.server = server;
    }

    public static WebhookReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
            WebhookReceiver receiver = new WebhookReceiver(server);
            server.createContext("/hooks/", receiver::handle);
            server.setExecutor(receiver.threads);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the webhook receiver", e);
        }
    }

    /** A new hook with a path of its own. */
    public Hook hook() {
        Hook hook = new Hook("/hooks/h" + names.incrementAndGet());
        hooks.put(hook.path, hook);
        return hook;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** One request as the receiver saw it. */
    public record Delivery(String eventId, String eventType, String body, JsonNode event, boolean signed,
            int secretsMatched, int signatures, int answered, Instant at) {
    }

    public final class Hook {
        private final String path;
        private final List<Delivery> deliveries = new ArrayList<>();
        private volatile List<String> secrets = List.of();
        private final AtomicInteger failNext = new AtomicInteger();
        private final AtomicLong hangMillis = new AtomicLong();
        private final AtomicInteger hangNext = new AtomicInteger();
        private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        private final AtomicInteger overlaps = new AtomicInteger();
        private final AtomicInteger arrivals = new AtomicInteger();
        private final AtomicInteger concurrent = new AtomicInteger();
        private final AtomicInteger maxConcurrent = new AtomicInteger();
        private volatile boolean failAlways;

        private Hook(String path) {
            this.path = path;
        }

        public String url() {
            return baseUrl() + path;
        }

        /** The secrets this receiver accepts signatures of. */
        public Hook secrets(String... accepted) {
            secrets = List.of(accepted);
            return this;
        }

        /** The next {@code times} deliveries are answered 500 (and recorded). */
        public Hook failNext(int times) {
            failNext.set(times);
            return this;
        }

        /** Every delivery is answered 500 from now on. */
        public Hook failAlways(boolean on) {
            failAlways = on;
            return this;
        }

        /** The next {@code times} deliveries wait {@code pause} before being processed and answered 200. */
        public Hook hangNext(int times, Duration pause) {
            hangMillis.set(pause.toMillis());
            hangNext.set(times);
            return this;
        }

        public synchronized List<Delivery> deliveries() {
            return List.copyOf(deliveries);
        }

        /** Deliveries answered 2xx, that is processed. */
        public List<Delivery> processed() {
            return deliveries().stream().filter(d -> d.answered() / 100 == 2).toList();
        }

        /** How many times a delivery of one event arrived while another of it was still being handled. */
        public int overlaps() {
            return overlaps.get();
        }

        /** The most requests this hook was handling at once. */
        public int maxConcurrent() {
            return maxConcurrent.get();
        }

        /** Waits until {@code done} holds for the deliveries; false if it did not within {@code timeout}. */
        public boolean await(Predicate<List<Delivery>> done, Duration timeout) throws InterruptedException {
            return Await.until(() -> done.test(deliveries()), timeout);
        }

        /**
         * Waits until {@code count} requests have come in, counting those still being handled (a
         * delivery is recorded when it is answered); false if they did not within {@code timeout}.
         */
        public boolean awaitArrivals(int count, Duration timeout) throws InterruptedException {
            return Await.until(() -> arrivals.get() >= count, timeout);
        }

        private void handle(HttpExchange exchange) throws IOException {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            String body = new String(raw, StandardCharsets.UTF_8);
            String eventId = exchange.getRequestHeaders().getFirst("Payments-Event-Id");
            arrivals.incrementAndGet();
            AtomicInteger running = inFlight.computeIfAbsent(String.valueOf(eventId), id -> new AtomicInteger());
            if (running.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            // counted out just before the answer is sent: the sender frees its place once it has the
            // answer, and its next attempt may arrive before this thread would get to a finally block
            java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
            try {
                if (hangNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    Thread.sleep(hangMillis.get());
                }
                int status = failAlways || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 200;
                String header = exchange.getRequestHeaders().getFirst("Payments-Signature");
                int[] matched = verify(header, body);
                JsonNode event = null;
                try {
                    event = JSON.readTree(body);
                } catch (IOException e) {
                    // recorded as it came; the test says what is wrong with it
                }
                boolean signed = matched[0] > 0;
                if (!signed) {
                    status = 400; // a receiver refuses what it cannot verify
                }
                synchronized (this) {
                    deliveries.add(new Delivery(eventId, exchange.getRequestHeaders().getFirst("Payments-Event-Type"),
                            body, event, signed, matched[0], matched[1], status, Instant.now()));
                }
                countOut(answered, running);
                // a body, as real receivers answer: the service keeps its first 1 KiB per attempt
                byte[] said = (status == 200 ? "ok" : status == 500 ? "failing on purpose (test receiver)"
                        : "signature not verified").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, said.length);
                exchange.getResponseBody().write(said);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                countOut(answered, running);
                exchange.sendResponseHeaders(503, -1);
            } finally {
                countOut(answered, running);
                exchange.close();
            }
        }

        /** The request no longer counts as in flight; once only. */
        private void countOut(java.util.concurrent.atomic.AtomicBoolean answered, AtomicInteger running) {
            if (answered.compareAndSet(false, true)) {
                running.decrementAndGet();
                concurrent.decrementAndGet();
            }
        }

        /** {secrets whose signature is among the header's v1 values, v1 values in all}; none if the timestamp is off. */
        private int[] verify(String header, String body) {
            if (header == null) {
                return new int[] {0, 0};
            }
            long timestamp = -1;
            List<String> signatures = new ArrayList<>();
            for (String part : header.split(",")) {
                if (part.startsWith("t=")) {
                    timestamp = Long.parseLong(part.substring(2));
                } else if (part.startsWith("v1=")) {
                    signatures.add(part.substring(3));
                }
            }
            if (Math.abs(Instant.now().getEpochSecond() - timestamp) > TOLERANCE_SECONDS) {
                return new int[] {0, signatures.size()};
            }
            int matched = 0;
            for (String secret : secrets) {
                byte[] expected = hmac(secret, timestamp + "." + body).getBytes(StandardCharsets.US_ASCII);
                if (signatures.stream().anyMatch(s -> MessageDigest.isEqual(expected, s.getBytes(StandardCharsets.US_ASCII)))) {
                    matched++;
                }
            }
            return new int[] {matched, signatures.size()};
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        // every answer closes its connection: a kept-alive one that the service's pool reused just as
        // it was being closed made an attempt fail with "Connection was closed" instead of the status
        // a test set (a give-up test then read no last_status_code); reuse is not what these tests test
        exchange.getResponseHeaders().set("Connection", "close");
        Hook hook = hooks.get(exchange.getRequestURI().getPath());
        if (hook == null) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
        hook.handle(exchange);
    }

    static String hmac(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
