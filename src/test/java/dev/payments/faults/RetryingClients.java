package dev.payments.faults;

import dev.payments.testsupport.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Clients that do what the API asks of them: every payment has its own key, and a request that
 * failed (503, 409, 500, a timeout, a refused connection) is retried with the same key and body
 * until it gets an answer. Everything they see is counted, so a failing test says what happened.
 *
 * <p>Two ways to drive them: {@link #pay} pays one key (a test's own threads can race on it);
 * {@link #start} keeps paying new keys until {@link #stop}, so that a test can make its fault
 * overlap the traffic by construction: start the fault once requests are in flight
 * ({@link #awaitInFlight}), and stop the clients only after the service has recovered and served
 * more payments.
 */
final class RetryingClients {

    private static final Pattern ID = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger replays = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger busy = new AtomicInteger();
    final AtomicInteger serverErrors = new AtomicInteger();
    final AtomicInteger transportErrors = new AtomicInteger();
    final AtomicInteger slowest = new AtomicInteger();
    /** Every payment id each key was answered with. */
    final Map<String, Set<String>> idsByKey = new ConcurrentHashMap<>();
    /** When each payment was created (its first 201, System.nanoTime): how long writes were unavailable. */
    final java.util.concurrent.ConcurrentSkipListSet<Long> answeredAt = new java.util.concurrent.ConcurrentSkipListSet<>();
    /** Keys whose 503 came without Retry-After or without problem+json. */
    final Set<String> badUnavailable = ConcurrentHashMap.newKeySet();

    /** Each client pauses between payments, so that traffic spans the whole outage. */
    private static final long PAUSE_BETWEEN_PAYMENTS_MS = 20;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Requests sent and not yet answered (or failed), right now. */
    final AtomicInteger inFlight = new AtomicInteger();
    /** Every key a client started to pay, in the order they started. */
    final List<String> keysStarted = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    private final AtomicInteger nextKey = new AtomicInteger();
    private ExecutorService running;
    private List<Future<?>> runningClients;

    /**
     * Starts {@code threads} clients that pay new keys ({@code prefix-0}, {@code prefix-1}, ...)
     * one after another until {@link #stop}; each key is retried until it is answered.
     */
    void start(String prefix, int threads, List<String> baseUrls, Duration deadline) {
        running = Executors.newFixedThreadPool(threads);
        runningClients = new java.util.ArrayList<>();
        long end = System.nanoTime() + deadline.toNanos();
        for (int t = 0; t < threads; t++) {
            int salt = t;
            runningClients.add(running.submit(() -> {
                while (!stopping.get() && System.nanoTime() < end) {
                    String key = prefix + "-" + nextKey.getAndIncrement();
                    keysStarted.add(key);
                    pay(key, baseUrls, salt, end);
                    Thread.sleep(PAUSE_BETWEEN_PAYMENTS_MS);
                }
                return null;
            }));
        }
    }

    /** Lets every client finish the key it is paying (with retries), then stops them. */
    void stop(Duration timeout) throws Exception {
        stopping.set(true);
        if (runningClients == null) {
            return; // never started
        }
        try {
            for (Future<?> client : runningClients) {
                client.get(timeout.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            running.shutdownNow();
        }
    }

    /** Waits until at least {@code created} payments were answered and a request is in flight right now. */
    boolean awaitInFlight(int created, Duration timeout) throws InterruptedException {
        return Await.until(() -> this.created.get() >= created && inFlight.get() > 0, timeout);
    }

    /** Waits until {@code more} further payments have been created from now on. */
    boolean awaitMoreCreated(int more, Duration timeout) throws InterruptedException {
        int target = created.get() + more;
        return Await.until(() -> created.get() >= target, timeout);
    }

    /** Waits until some request was answered 503. */
    boolean awaitUnavailable(Duration timeout) throws InterruptedException {
        return Await.until(() -> unavailable.get() > 0, timeout);
    }


    /** Sends one key's request until it is answered 201 (or the deadline passes). */
    void pay(String key, List<String> baseUrls, int salt, long end) throws InterruptedException {
        String body = "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\"" + key + "\"}";
        for (int attempt = 0; System.nanoTime() < end; attempt++) {
            String base = baseUrls.get((salt + attempt) % baseUrls.size());
            long started = System.nanoTime();
            sent.incrementAndGet();
            inFlight.incrementAndGet();
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/payments"))
                        .timeout(REQUEST_TIMEOUT)
                        .header("Authorization", "Bearer sk_test_acme")
                        .header("Idempotency-Key", key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                slowest.accumulateAndGet((int) ((System.nanoTime() - started) / 1_000_000), Math::max);
                switch (response.statusCode()) {
                    case 201 -> {
                        if (response.headers().firstValue("Idempotent-Replayed").isPresent()) {
                            replays.incrementAndGet();
                        } else {
                            created.incrementAndGet();
                            answeredAt.add(System.nanoTime());
                        }
                        Matcher id = ID.matcher(response.body());
                        if (id.find()) {
                            idsByKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(id.group(1));
                        }
                        return;
                    }
                    case 503 -> {
                        unavailable.incrementAndGet();
                        if (response.headers().firstValue("Retry-After").isEmpty()
                                || !response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")) {
                            badUnavailable.add(key);
                        }
                    }
                    case 409 -> busy.incrementAndGet();
                    default -> {
                        if (response.statusCode() >= 500) {
                            serverErrors.incrementAndGet();
                        }
                    }
                }
            } catch (java.io.IOException e) {
                slowest.accumulateAndGet((int) ((System.nanoTime() - started) / 1_000_000), Math::max);
                transportErrors.incrementAndGet();
            } finally {
                inFlight.decrementAndGet();
            }
            Thread.sleep(Math.min(1000, 50L * (attempt + 1)));
        }
    }

    /**
     * The longest time without a 201 between {@code from} and the first 201 after it, in
     * milliseconds: how long writes were unavailable across a fault struck at {@code from}.
     */
    long longestGapAfter(long from) {
        Long before = answeredAt.floor(from);
        long previous = before == null ? from : before;
        long longest = 0;
        for (long at : answeredAt.tailSet(from, false)) {
            longest = Math.max(longest, at - previous);
            previous = at;
            if (at - from > java.util.concurrent.TimeUnit.SECONDS.toNanos(120)) {
                break;
            }
        }
        return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(longest);
    }

    /** The service's request deadline (payments.request-deadline), 5 s unless the test set another. */
    private final Duration deadline;

    RetryingClients() {
        this(Duration.ofSeconds(5));
    }

    RetryingClients(Duration deadline) {
        this.deadline = deadline;
    }

    /** Every answer, a 503 or a 409 included, came within the request deadline, whatever the fault. */
    void assertEveryAnswerWithinTheDeadline() {
        org.junit.jupiter.api.Assertions.assertTrue(slowest.get() < deadline.toMillis(), "every answer within the "
                + "request deadline of " + deadline.toMillis() + " ms; the slowest took " + slowest.get() + " ms");
    }

    String summary() {
        return String.format("requests sent %d, 201 created %d, 201 replays %d, 503 %d, 409 %d, other 5xx %d, "
                        + "transport errors %d, slowest answer %d ms, keys answered %d",
                sent.get(), created.get(), replays.get(), unavailable.get(), busy.get(), serverErrors.get(),
                transportErrors.get(), slowest.get(), idsByKey.size());
    }
}
