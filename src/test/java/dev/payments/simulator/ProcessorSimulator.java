package dev.payments.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * A payment processor in its own process, implementing the processor contract the service codes
 * to (charges, capture, cancel, refunds, look-ups by reference, idempotency keys kept
 * {@code --key-ttl-seconds}), with a ledger the tests read and faults they inject.
 *
 * <p>Run: {@code java -cp target/test-classes:target/quarkus-app/lib/main/* dev.payments.simulator.ProcessorSimulator
 * --port 8090 --api-key sk_sim_test [--latency-ms 100] [--ledger-file F]}: with a ledger file it
 * appends every answered write to it and reads it back at start, so a killed simulator restarts with
 * its charges and keys, like a processor that crashed. It prints {@code PROCESSOR_SIMULATOR_PORT=<port>} once
 * listening (port 0 picks a free one) and serves on 127.0.0.1 only.
 *
 * <p>Control endpoints (no authentication, loopback only): {@code GET /_simulator/ledger} (every
 * charge and refund with the idempotency key that made it, and the count of requests per key);
 * {@code POST /_simulator/faults} {@code {"fault": "...", "times": 1, "method": "POST", "path":
 * "/v1/charges", "delay_ms": 10000}} queues a fault for the next matching requests (in order); {@code DELETE
 * /_simulator/faults} clears them; {@code POST /_simulator/config} {@code {"latency_ms": 100, "api_key": "sk_..."}} (the key it accepts from then on);
 * {@code POST /_simulator/release} answers every held request; {@code GET /_simulator/stats}
 * counts charges and the references they are for (cheap, for the benchmark's millions). Faults: {@code latency} (delay_ms
 * more), {@code hang_after_charge} (acts, then answers only after delay_ms, default 10 s: past the
 * client's timeout), {@code error_before} / {@code error_after} (500 before or after acting),
 * {@code reset_before} / {@code reset_after} (the connection is closed with no answer),
 * {@code conflict} (409 with Retry-After), {@code rate_limit} (429 with Retry-After), {@code refuse}
 * (400 payment_method_invalid, nothing done: a request the processor will not take), {@code hold}
 * (acts, then answers only when released), {@code refund_fails} (the refund is made, status failed,
 * nothing refunded: a closed card account).
 *
 * <p>All state lives on one Vert.x event loop, so it needs no locks, and a delay is a timer, not a
 * thread: thousands of slow calls at once cost nothing.
 */
public final class ProcessorSimulator {

    /** The slow test card's charge takes this long more, as with the service's demo processor. */
    private static final long SLOW_CARD_MILLIS = 1500;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_KEY_LENGTH = 255;

    private volatile String apiKey;
    private final long keyTtlMillis;
    private long latencyMillis;
    private final Vertx vertx;

    private final Map<String, ObjectNode> charges = new LinkedHashMap<>();
    private final Map<String, ObjectNode> refunds = new LinkedHashMap<>();
    private final Map<String, KeyEntry> keys = new HashMap<>();
    private final Map<String, Integer> requestsPerKey = new HashMap<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<Runnable> held = new ArrayList<>();

    /** What the processor remembers of an idempotency key: the request, and its answer once sent. */
    private static final class KeyEntry {
        final String fingerprint;
        final long createdMillis;
        Integer status;
        String body;

        KeyEntry(String fingerprint, long createdMillis) {
            this.fingerprint = fingerprint;
            this.createdMillis = createdMillis;
        }
    }

    private static final class Fault {
        final String kind;
        final String method;
        final String path;
        final long delayMillis;
        int times;

        Fault(String kind, String method, String path, long delayMillis, int times) {
            this.kind = kind;
            this.method = method;
            this.path = path;
            this.delayMillis = delayMillis;
            this.times = times;
        }
    }

    /** Where every answered write is appended, so that a killed simulator comes back with its ledger. */
    private final Path ledgerFile;
    /** The charges and refunds the write being answered created or changed. */
    private final List<ObjectNode> touched = new ArrayList<>();

    private ProcessorSimulator(Vertx vertx, String apiKey, long latencyMillis, long keyTtlMillis, Path ledgerFile) {
        this.ledgerFile = ledgerFile;
        this.vertx = vertx;
        this.apiKey = apiKey;
        this.latencyMillis = latencyMillis;
        this.keyTtlMillis = keyTtlMillis;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int port = Integer.parseInt(options.getOrDefault("port", "8090"));
        Vertx vertx = Vertx.vertx();
        ProcessorSimulator simulator = new ProcessorSimulator(vertx, options.getOrDefault("api-key", "sk_sim_test"),
                Long.parseLong(options.getOrDefault("latency-ms", "0")),
                Long.parseLong(options.getOrDefault("key-ttl-seconds", "86400")) * 1000,
                options.containsKey("ledger-file") ? Path.of(options.get("ledger-file")) : null);
        simulator.load();
        CountDownLatch listening = new CountDownLatch(1);
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(options.getOrDefault("host", "127.0.0.1"))
                .setPort(port).setIdleTimeout(0));
        server.requestHandler(simulator::handle).listen().onSuccess(s -> {
            System.out.println("PROCESSOR_SIMULATOR_PORT=" + s.actualPort());
            System.out.flush();
            listening.countDown();
        }).onFailure(e -> {
            e.printStackTrace();
            System.exit(1);
        });
        listening.await();
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            try {
                route(request, body);
            } catch (RuntimeException e) {
                answer(request, 500, error("internal", String.valueOf(e.getMessage())));
            }
        });
    }

    private void route(HttpServerRequest request, Buffer body) {
        String path = request.path();
        String method = request.method().name();
        if (path.startsWith("/_simulator/")) {
            control(request, method, path, body);
            return;
        }
        if (!("Bearer " + apiKey).equals(request.getHeader("Authorization"))) {
            answer(request, 401, error("unauthorized", "Invalid API key."));
            return;
        }
        Fault fault = nextFault(method, path);
        long delay = latencyMillis + (fault != null && fault.kind.equals("latency") ? fault.delayMillis : 0);
        // a write takes its key at arrival, so a second request with the key meets it in flight (409)
        Claim claim = method.equals("POST") && isWrite(path) ? claim(request, path, body) : null;
        if (claim != null && claim.body() != null && claim.answer() == null
                && "pm_card_slow".equals(claim.body().path("payment_method").asText())) {
            delay += SLOW_CARD_MILLIS;
        }
        Runnable work = () -> serve(request, method, path, claim, fault);
        if (delay > 0) {
            vertx.setTimer(delay, t -> work.run());
        } else {
            work.run();
        }
    }

    private void serve(HttpServerRequest request, String method, String path, Claim claim, Fault fault) {
        String kind = fault == null ? "" : fault.kind;
        switch (kind) {
            case "error_before" -> {
                release(claim);
                answer(request, 500, error("processing_error", "Injected failure before acting."));
                return;
            }
            case "reset_before" -> {
                release(claim);
                request.connection().close();
                return;
            }
            case "conflict" -> {
                release(claim);
                answer(request, 409, error("idempotency_key_in_use", "Injected conflict."), "Retry-After", "1");
                return;
            }
            case "refuse" -> {
                release(claim);
                answer(request, 400, error("payment_method_invalid", "Injected refusal: the payment method cannot be charged."));
                return;
            }
            case "rate_limit" -> {
                release(claim);
                answer(request, 429, error("rate_limited", "Injected rate limit."), "Retry-After", "1");
                return;
            }
            default -> {
            }
        }
        Answer answer;
        if (claim != null && claim.answer != null) {
            answer = claim.answer;
        } else if (claim != null) {
            answer = act(path, claim.body, claim.key, kind);
            claim.entry.status = answer.status();
            claim.entry.body = answer.body();
            persist(claim);
        } else if (method.equals("GET") && path.equals("/v1/charges")) {
            answer = list(charges, request.getParam("reference"));
        } else if (method.equals("GET") && path.equals("/v1/refunds")) {
            answer = list(refunds, request.getParam("reference"));
        } else {
            answer = new Answer(404, error("not_found", "No such endpoint: " + method + " " + path), false);
        }
        switch (kind) {
            case "error_after" -> answer(request, 500, error("processing_error", "Injected failure after acting."));
            case "reset_after" -> request.connection().close();
            case "hang_after_charge" -> vertx.setTimer(fault.delayMillis > 0 ? fault.delayMillis : 10_000,
                    t -> send(request, answer));
            case "hold" -> held.add(() -> send(request, answer));
            default -> send(request, answer);
        }
    }

    /** A request that did not act gives its key back: the same key may be sent again as new. */
    private void release(Claim claim) {
        if (claim != null && claim.entry != null) {
            keys.remove(claim.key);
        }
    }

    private static boolean isWrite(String path) {
        return path.equals("/v1/charges") || path.equals("/v1/refunds")
                || path.matches("/v1/charges/[^/]+/(capture|cancel)");
    }

    private record Answer(int status, String body, boolean replayed) {
    }

    /** A write's key: taken by this request (entry), or already answered for it (answer). */
    private record Claim(String key, ObjectNode body, KeyEntry entry, Answer answer) {
    }

    /** The processor's idempotency: a key means one request, answered once, replayed after. */
    private Claim claim(HttpServerRequest request, String path, Buffer body) {
        String key = request.getHeader("Idempotency-Key");
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c > 32 && c < 127)) {
            return refused(400, error("idempotency_key_invalid", "Idempotency-Key is required: 1 to 255 visible ASCII."));
        }
        JsonNode json;
        try {
            json = body.length() == 0 ? JSON.createObjectNode() : JSON.readTree(body.getBytes());
        } catch (Exception e) {
            return refused(400, error("invalid_json", "The body is not JSON."));
        }
        if (!json.isObject()) {
            return refused(400, error("invalid_json", "The body must be a JSON object."));
        }
        requestsPerKey.merge(key, 1, Integer::sum);
        String fingerprint = path + " " + canonical(json);
        long now = System.currentTimeMillis();
        KeyEntry entry = keys.get(key);
        if (entry != null && now - entry.createdMillis > keyTtlMillis) {
            keys.remove(key);
            entry = null;
        }
        if (entry != null) {
            if (!entry.fingerprint.equals(fingerprint)) {
                return refused(422, error("idempotency_key_reused", "This key was used with another request."));
            }
            if (entry.status == null) {
                return refused(409, error("idempotency_key_in_use", "A request with this key is in flight."));
            }
            return new Claim(key, null, null, new Answer(entry.status, entry.body, true));
        }
        entry = new KeyEntry(fingerprint, now);
        keys.put(key, entry);
        return new Claim(key, (ObjectNode) json, entry, null);
    }

    private static Claim refused(int status, String body) {
        return new Claim(null, null, null, new Answer(status, body, false));
    }

    private Answer act(String path, ObjectNode body, String key, String fault) {
        if (path.equals("/v1/charges")) {
            return charge(body, key);
        }
        if (path.equals("/v1/refunds")) {
            return refund(body, key, fault.equals("refund_fails"));
        }
        String id = path.split("/")[3];
        ObjectNode charge = charges.get(id);
        if (charge == null) {
            return new Answer(404, error("charge_not_found", "No charge " + id + "."), false);
        }
        String status = charge.get("status").asText();
        if (path.endsWith("/capture")) {
            if (!status.equals("requires_capture")) {
                return new Answer(400, error("charge_not_capturable", "Charge " + id + " is " + status + "."), false);
            }
            long amount = body.path("amount").asLong(charge.get("amount").asLong());
            if (amount < 1 || amount > charge.get("amount").asLong()) {
                return new Answer(400, error("amount_too_large", "Capture at most " + charge.get("amount") + "."), false);
            }
            charge.put("status", "succeeded").put("amount_captured", amount);
        } else {
            if (!status.equals("requires_capture")) {
                return new Answer(400, error("charge_not_cancelable", "Charge " + id + " is " + status + "."), false);
            }
            charge.put("status", "canceled");
        }
        touched.add(charge);
        return new Answer(200, charge.toString(), false);
    }

    private Answer charge(ObjectNode body, String key) {
        long amount = body.path("amount").asLong(0);
        String currency = body.path("currency").asText("");
        String method = body.path("payment_method").asText("");
        boolean capture = body.path("capture").asBoolean(true);
        String reference = body.path("reference").isTextual() ? body.get("reference").asText() : null;
        if (amount < 1 || !currency.matches("[A-Z]{3}")) {
            return new Answer(400, error("invalid_request", "amount (minor units, >= 1) and currency (ISO 4217) are required."), false);
        }
        String declineCode = switch (method) {
            case "pm_card_visa", "pm_card_mastercard", "pm_card_slow" -> null;
            case "pm_card_declined" -> "card_declined";
            case "pm_card_insufficient_funds" -> "insufficient_funds";
            default -> "unknown";
        };
        if ("unknown".equals(declineCode)) {
            return new Answer(400, error("payment_method_invalid", "No such payment method: " + method + "."), false);
        }
        ObjectNode charge = JSON.createObjectNode();
        charge.put("id", "ch_" + UUID.randomUUID().toString().replace("-", ""));
        charge.put("reference", reference);
        charge.put("amount", amount);
        charge.put("currency", currency);
        charge.put("status", declineCode != null ? "declined" : capture ? "succeeded" : "requires_capture");
        charge.put("amount_captured", declineCode == null && capture ? amount : 0);
        charge.put("amount_refunded", 0);
        charge.put("decline_code", declineCode);
        charge.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        charges.put(charge.get("id").asText(), charge);
        touched.add(charge);
        ledgerKey(charge, key);
        return new Answer(201, publicView(charge), false);
    }

    private Answer refund(ObjectNode body, String key, boolean fails) {
        ObjectNode charge = charges.get(body.path("charge").asText(""));
        if (charge == null) {
            return new Answer(404, error("charge_not_found", "No such charge."), false);
        }
        long remaining = charge.get("amount_captured").asLong() - charge.get("amount_refunded").asLong();
        long amount = body.path("amount").asLong(remaining);
        if (amount < 1 || amount > remaining) {
            return new Answer(400, error("amount_too_large", "At most " + remaining + " can be refunded."), false);
        }
        if (!fails) {
            charge.put("amount_refunded", charge.get("amount_refunded").asLong() + amount);
        }
        ObjectNode refund = JSON.createObjectNode();
        refund.put("id", "re_" + UUID.randomUUID().toString().replace("-", ""));
        refund.put("charge", charge.get("id").asText());
        refund.put("amount", amount);
        refund.put("reference", body.path("reference").isTextual() ? body.get("reference").asText() : null);
        refund.put("status", fails ? "failed" : "succeeded");
        if (fails) {
            refund.put("failure_code", "expired_or_canceled_card");
        }
        refund.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        refunds.put(refund.get("id").asText(), refund);
        touched.add(refund);
        touched.add(charge);
        ledgerKey(refund, key);
        return new Answer(201, publicView(refund), false);
    }

    /**
     * Appends the answered write (its key, and the objects it touched) to the ledger file. A write
     * to the file survives the simulator's SIGKILL (it is in the kernel's page cache), which is
     * all the fault tests need; the machine itself does not crash.
     */
    private void persist(Claim claim) {
        List<ObjectNode> objects = new ArrayList<>(touched);
        touched.clear();
        if (ledgerFile == null) {
            return;
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("key", claim.key).put("fingerprint", claim.entry.fingerprint).put("created", claim.entry.createdMillis)
                .put("status", claim.entry.status).put("body", claim.entry.body);
        ArrayNode list = line.putArray("objects");
        objects.forEach(list::add);
        try {
            Files.writeString(ledgerFile, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the ledger file back: keys with their answers, and the latest state of every object. */
    private void load() throws IOException {
        if (ledgerFile == null || !Files.exists(ledgerFile)) {
            return;
        }
        for (String text : Files.readAllLines(ledgerFile)) {
            JsonNode line = JSON.readTree(text);
            KeyEntry entry = new KeyEntry(line.get("fingerprint").asText(), line.get("created").asLong());
            entry.status = line.get("status").asInt();
            entry.body = line.get("body").asText();
            keys.put(line.get("key").asText(), entry);
            for (JsonNode object : line.get("objects")) {
                String id = object.get("id").asText();
                (id.startsWith("re_") ? refunds : charges).put(id, (ObjectNode) object);
            }
        }
    }

    /** The ledger remembers which key made each object; the public answer does not show it. */
    private static void ledgerKey(ObjectNode object, String key) {
        object.put("_idempotency_key", key);
    }

    private static String publicView(ObjectNode object) {
        ObjectNode copy = object.deepCopy();
        copy.remove("_idempotency_key");
        return copy.toString();
    }

    private Answer list(Map<String, ObjectNode> objects, String reference) {
        if (reference == null || reference.isEmpty()) {
            return new Answer(400, error("reference_required", "Look-ups need ?reference=."), false);
        }
        ArrayNode data = JSON.createArrayNode();
        objects.values().stream().filter(o -> reference.equals(o.path("reference").asText(null)))
                .forEach(o -> data.addRawValue(new com.fasterxml.jackson.databind.util.RawValue(publicView(o))));
        ObjectNode page = JSON.createObjectNode();
        page.set("data", data);
        page.put("has_more", false);
        return new Answer(200, page.toString(), false);
    }

    private void control(HttpServerRequest request, String method, String path, Buffer body) {
        switch (method + " " + path) {
            case "GET /_simulator/ledger" -> {
                ObjectNode ledger = JSON.createObjectNode();
                ArrayNode chargeList = ledger.putArray("charges");
                charges.values().forEach(c -> chargeList.add(c.deepCopy().put("idempotency_key", c.get("_idempotency_key").asText())));
                ArrayNode refundList = ledger.putArray("refunds");
                refunds.values().forEach(r -> refundList.add(r.deepCopy().put("idempotency_key", r.get("_idempotency_key").asText())));
                ObjectNode requests = ledger.putObject("requests_per_key");
                requestsPerKey.forEach(requests::put);
                for (JsonNode node : chargeList) {
                    ((ObjectNode) node).remove("_idempotency_key");
                }
                for (JsonNode node : refundList) {
                    ((ObjectNode) node).remove("_idempotency_key");
                }
                answer(request, 200, ledger.toString());
            }
            case "POST /_simulator/faults" -> {
                JsonNode fault = readJson(body);
                faults.add(new Fault(fault.path("fault").asText(), fault.path("method").asText("POST"),
                        fault.path("path").asText("/v1/charges"),
                        fault.path("delay_ms").asLong(0), fault.path("times").asInt(1)));
                answer(request, 204, "");
            }
            case "DELETE /_simulator/faults" -> {
                faults.clear();
                answer(request, 204, "");
            }
            case "POST /_simulator/config" -> {
                JsonNode config = readJson(body);
                latencyMillis = config.path("latency_ms").asLong(latencyMillis);
                apiKey = config.path("api_key").asText(apiKey);
                answer(request, 204, "");
            }
            case "POST /_simulator/release" -> {
                List<Runnable> release = new ArrayList<>(held);
                held.clear();
                release.forEach(Runnable::run);
                answer(request, 200, "{\"released\":" + release.size() + "}");
            }
            case "GET /_simulator/held" -> answer(request, 200, "{\"held\":" + held.size() + "}");
            case "GET /_simulator/stats" -> {
                Map<String, Integer> perReference = new HashMap<>();
                charges.values().forEach(c -> perReference.merge(c.path("reference").asText(""), 1, Integer::sum));
                ObjectNode stats = JSON.createObjectNode();
                stats.put("charges", charges.size()).put("references", perReference.size())
                        .put("max_charges_per_reference", perReference.values().stream().mapToInt(i -> i).max().orElse(0));
                answer(request, 200, stats.toString());
            }
            default -> answer(request, 404, error("not_found", "No such control endpoint."));
        }
    }

    private Fault nextFault(String method, String path) {
        for (Iterator<Fault> it = faults.iterator(); it.hasNext();) {
            Fault fault = it.next();
            if (!fault.method.equals(method)) {
                continue;
            }
            if (path.equals(fault.path) || (fault.path.endsWith("*") && path.startsWith(fault.path.substring(0, fault.path.length() - 1)))) {
                if (--fault.times <= 0) {
                    it.remove();
                }
                return fault;
            }
        }
        return null;
    }

    private static JsonNode readJson(Buffer body) {
        try {
            return body.length() == 0 ? JSON.createObjectNode() : JSON.readTree(body.getBytes());
        } catch (Exception e) {
            throw new IllegalArgumentException("control body is not JSON", e);
        }
    }

    /** Object keys in sorted order, so that the same request in another key order is the same request. */
    private static String canonical(JsonNode node) {
        if (node.isObject()) {
            StringBuilder out = new StringBuilder("{");
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            for (String name : names) {
                out.append(JSON.valueToTree(name).toString()).append(':').append(canonical(node.get(name))).append(',');
            }
            return out.append('}').toString();
        }
        return node.toString();
    }

    private static String error(String code, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("code", code).put("message", message);
        return error.toString();
    }

    private void send(HttpServerRequest request, Answer answer) {
        if (answer.replayed()) {
            request.response().putHeader("Idempotent-Replayed", "true");
        }
        if (answer.status() == 409 || answer.status() == 429) {
            request.response().putHeader("Retry-After", "1");
        }
        answer(request, answer.status(), answer.body());
    }

    private static void answer(HttpServerRequest request, int status, String body, String... headers) {
        if (request.response().closed() || request.response().ended()) {
            return;
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.response().putHeader(headers[i], headers[i + 1]);
        }
        request.response().setStatusCode(status);
        if (status == 204) {
            request.response().end();
            return;
        }
        request.response().putHeader("Content-Type", "application/json").end(body);
    }
}
