package dev.payments.webhook;

import static dev.payments.database.DatabaseException.unchecked;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.event.EventResponse;
import dev.payments.event.Event;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Sends due deliveries: claims them ({@link DeliveryStore#claim}, safe with any number of
 * instances), checks each URL's address again, POSTs the event signed with the endpoint's secrets,
 * and records the outcome. Between claim and record no transaction is open and no connection is
 * held; the requests are asynchronous (Vert.x), so a thousand slow endpoints cost sockets, not
 * threads. Woken at once by this instance's own events, and every poll interval for the rest.
 *
 * <p>At least once: an instance that dies after the receiver processed a delivery, or a receiver
 * that answers after the timeout, gets the event sent again once the lease ends or at the next
 * retry. Receivers deduplicate on Payments-Event-Id.
 */
@ApplicationScoped
public class DeliveryWorker {

    private static final Logger LOG = Logger.getLogger(DeliveryWorker.class);

    /** Deliveries claimed per statement at most: one claim's rows are sent while the next is claimed. */
    private static final int BATCH = 100;
    private static final String USER_AGENT = "payment-service-webhooks/1";

    /** How long an answer's body may take to come after its status line: only its first 1 KiB is kept. */
    private static final Duration BODY_WAIT = Duration.ofSeconds(1);

    private final DeliveryStore store;
    private final WebhookUrls urls;
    private final WebhookMetrics metrics;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final WebhooksConfig config;
    private final SealedSecrets secrets;
    private final WebhookResolver resolver;
    private final Duration lease;
    private final Semaphore slots;
    private final AtomicBoolean pollQueued = new AtomicBoolean();
    private final AtomicInteger threads = new AtomicInteger();
    /** Successes waiting to be recorded, many per statement; and whether a recorder is draining them. */
    private final Queue<DeliveryStore.Success> successes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean recording = new AtomicBoolean();
    /**
     * The merchants with an enabled endpoint, as of the last poll (and those registered here since):
     * an event of another merchant has nothing to deliver, and does not wake the worker.
     */
    private volatile Set<String> merchants = Set.of();
    private volatile boolean running;
    private HttpClient client;
    /** Claims, one at a time. */
    private ExecutorService poller;
    /** What blocks around a send: resolving the URL's host, writing the outcome. */
    private ExecutorService blocking;

    DeliveryWorker(DeliveryStore store, WebhookUrls urls, WebhookMetrics metrics, ObjectMapper json, Vertx vertx,
            WebhooksConfig config, SealedSecrets secrets, WebhookResolver resolver) {
        this.secrets = secrets;
        this.resolver = resolver;
        this.store = store;
        this.urls = urls;
        this.metrics = metrics;
        this.json = json;
        this.vertx = vertx;
        this.config = config;
        // past the attempt's own timeout with room to spare: no other instance takes a delivery
        // while its attempt can still be running
        this.lease = this.config.timeout().multipliedBy(2).plusSeconds(5);
        this.slots = new Semaphore(this.config.maxInFlight());
    }

    void start(@Observes StartupEvent started) {
        if (!config.deliver()) {
            LOG.info("webhook delivery is off in this instance (payments.webhooks.deliver=false)");
            return;
        }
        int timeout = (int) config.timeout().toMillis();
        client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(timeout)
                .setIdleTimeout(timeout).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setKeepAlive(true)
                .setMaxPoolSize(config.maxInFlightPerEndpoint())
                .setVerifyHost(true)
                .setForceSni(true)
                .setTryUseCompression(false));
        poller = Executors.newSingleThreadExecutor(named("webhook-poller"));
        blocking = Executors.newFixedThreadPool(8, named("webhook-delivery"));
        running = true;
        wake();
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (!running) {
            return;
        }
        running = false;
        poller.shutdown();
        try {
            // attempts under way may finish and be recorded; those that do not are retried after their lease
            if (!slots.tryAcquire(config.maxInFlight(), config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                LOG.infof("stopping with webhook deliveries under way: they are retried after their lease (%s)", lease);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        blocking.shutdown();
        client.close();
    }

    /** An event this instance has just committed: its deliveries, if it has any, are due now. */
    void onEvent(@Observes Event.Committed written) {
        if (merchants.contains(written.merchantId())) {
            wake();
        }
    }

    /** An endpoint registered in this instance: its merchant's events wake the worker from now on. */
    void endpointRegistered(String merchantId) {
        Set<String> more = new HashSet<>(merchants);
        more.add(merchantId);
        merchants = Set.copyOf(more);
    }

    @Scheduled(identity = "webhook-deliveries", every = "${payments.webhooks.poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!running) {
            return;
        }
        wake();
        try {
            merchants = Set.copyOf(unchecked(store::merchantsWithEndpoints));
            DeliveryStore.Backlog backlog = unchecked(store::backlog);
            metrics.backlog(backlog.ageSeconds(), backlog.due());
        } catch (RuntimeException e) {
            LOG.debugf("webhook backlog not measured: %s", e.getMessage());
        }
    }

    private void wake() {
        if (running && pollQueued.compareAndSet(false, true)) {
            poller.execute(this::poll);
        }
    }

    /** Claims as many due deliveries as there are free slots, until no more are due. */
    private void poll() {
        pollQueued.set(false);
        while (running) {
            int free = Math.min(BATCH, slots.availablePermits());
            if (free == 0) {
                return; // a finishing attempt wakes the poller again
            }
            List<DeliveryStore.Claimed> claimed;
            try {
                // one transaction: the endpoints' locks hold until the claim is committed
                claimed = QuarkusTransaction.requiringNew()
                        .call(() -> store.claim(config.maxInFlightPerEndpoint(), free, lease));
            } catch (RuntimeException e) {
                LOG.warnf("webhook deliveries not claimed, retried at the next poll: %s", e.getMessage());
                return;
            }
            for (DeliveryStore.Claimed delivery : claimed) {
                slots.acquireUninterruptibly(); // only this thread acquires: a permit counted free is there
                blocking.execute(() -> send(delivery));
            }
            if (claimed.size() < free) {
                return;
            }
        }
    }

    private void send(DeliveryStore.Claimed delivery) {
        long started = System.nanoTime();
        try {
            request(delivery, started);
        } catch (RuntimeException e) {
            LOG.warnf("webhook delivery_id=%s not sent: %s", delivery.id(), e.toString());
            finish(delivery, started, new AttemptOutcome.NoAnswer(AttemptOutcome.Kind.OTHER, describe(e)));
        }
    }

    /**
     * Checks the URL again, its host resolved without blocking and within the DNS time limit
     * (WebhookResolver): one endpoint's slow DNS delays no other delivery; then posts to the address
     * checked. Outcomes are recorded on the blocking executor.
     */
    private void request(DeliveryStore.Claimed delivery, long started) {
        resolver.check(urls, delivery.url()).onComplete(checked -> {
            if (checked.failed()) {
                blocking.execute(() -> finish(delivery, started, new AttemptOutcome.NoAnswer(AttemptOutcome.Kind.URL_REFUSED,
                        "not sent: the URL " + checked.cause().getMessage())));
                return;
            }
            try {
                post(delivery, started, checked.result());
            } catch (RuntimeException e) {
                LOG.warnf("webhook delivery_id=%s not sent: %s", delivery.id(), e.toString());
                blocking.execute(() -> finish(delivery, started, new AttemptOutcome.NoAnswer(AttemptOutcome.Kind.OTHER,
                        describe(e))));
            }
        });
    }

    private void post(DeliveryStore.Claimed delivery, long started, WebhookUrls.Target target) {
        List<String> signingSecrets;
        try {
            signingSecrets = delivery.secrets().stream().map(sealed -> secrets.open(sealed, delivery.endpointId())).toList();
        } catch (SealedSecrets.Unreadable e) {
            LOG.warnf("webhook delivery_id=%s not sent: the endpoint's secret %s", delivery.id(), e.getMessage());
            blocking.execute(() -> finish(delivery, started, new AttemptOutcome.NoAnswer(
                    AttemptOutcome.Kind.SECRET_UNREADABLE, "not sent: the endpoint's secret cannot be read here")));
            return;
        }
        String body = body(delivery);
        long timestamp = Instant.now().getEpochSecond();
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                // connect to the address just checked, not to whatever the name resolves to next
                .setServer(SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()))
                .setHost(target.uri().getHost())
                .setPort(target.port())
                .setSsl(target.tls())
                .setURI(target.requestUri())
                .setFollowRedirects(false)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", USER_AGENT)
                .putHeader(WebhookSignatures.EVENT_ID_HEADER, delivery.eventId().toString())
                .putHeader(WebhookSignatures.EVENT_TYPE_HEADER, delivery.eventType())
                .putHeader(WebhookSignatures.HEADER, WebhookSignatures.header(timestamp, body, signingSecrets));
        Promise<AttemptOutcome> answered = Promise.promise();
        long timer = vertx.setTimer(config.timeout().toMillis(), id -> answered.tryComplete(new AttemptOutcome.NoAnswer(
                AttemptOutcome.Kind.TIMEOUT, "no answer within " + config.timeout().toMillis() + " ms")));
        client.request(request).onComplete(opened -> {
            if (opened.failed()) {
                answered.tryComplete(noConnection(opened.cause()));
                return;
            }
            HttpClientRequest sending = opened.result();
            answered.future().onSuccess(outcome -> {
                if (outcome instanceof AttemptOutcome.NoAnswer) {
                    sending.reset(); // timed out: nothing more is waited for
                }
            });
            sending.send(body).onComplete(response -> {
                if (response.failed()) {
                    answered.tryComplete(noConnection(response.cause()));
                } else {
                    vertx.cancelTimer(timer); // answered in time: the status is the outcome, its body gets a moment more
                    readExcerpt(response.result(), answered);
                }
            });
        });
        answered.future().onComplete(outcome -> {
            vertx.cancelTimer(timer);
            blocking.execute(() -> finish(delivery, started, outcome.result()));
        });
    }

    /**
     * Records the attempt's outcome and frees its slot; a 2xx is delivered, anything else retried
     * (counted as refused when it was not sent at all, the URL's address being one webhooks may not go to).
     */
    private void finish(DeliveryStore.Claimed delivery, long started, AttemptOutcome outcome) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (outcome instanceof AttemptOutcome.Answered answer && answer.delivered()) {
            successes.add(new DeliveryStore.Success(delivery, answer, millis));
            if (recording.compareAndSet(false, true)) {
                blocking.execute(this::recordSuccesses);
            }
            return;
        }
        try {
            String why = outcome.error();
            boolean refused = outcome instanceof AttemptOutcome.NoAnswer none && none.kind() == AttemptOutcome.Kind.URL_REFUSED;
            Duration delay = backoff(delivery.attempt());
            unchecked(() -> store.failed(delivery, outcome, millis, delay, config.retryFor(), config.disableAfter()))
                    .ifPresent(failure -> {
                        if ("failed".equals(failure.status())) {
                            metrics.attempt(WebhookMetrics.FAILED);
                            LOG.infof("webhook delivery given up after %d attempts delivery_id=%s event_id=%s "
                                    + "endpoint_id=%s: %s", delivery.attempt(), delivery.id(), delivery.eventId(),
                                    delivery.endpointId(), why);
                        } else {
                            metrics.attempt(refused ? WebhookMetrics.REFUSED : WebhookMetrics.RETRIED);
                        }
                        if (failure.endpointOverdue() && unchecked(() -> store.disable(delivery.endpointId(),
                                config.disableAfter()))) {
                            metrics.endpointDisabled();
                            LOG.infof("webhook endpoint disabled endpoint_id=%s: every delivery failed for %s",
                                    delivery.endpointId(), config.disableAfter());
                        }
                    });
            LOG.debugf("webhook attempt %d failed delivery_id=%s: %s; next in %s", delivery.attempt(), delivery.id(),
                    why, delay);
        } catch (RuntimeException e) {
            // the lease ends and the delivery is attempted again: at least once holds
            LOG.warnf("webhook outcome not recorded delivery_id=%s, retried after its lease: %s", delivery.id(),
                    e.getMessage());
            metrics.attempt(WebhookMetrics.UNRECORDED);
        } finally {
            slots.release();
            wake();
        }
    }

    /**
     * Writes the successes that have come in, up to a batch per statement, until none is left:
     * under load one statement records many deliveries; when quiet, each is written at once.
     */
    private void recordSuccesses() {
        while (true) {
            List<DeliveryStore.Success> batch = new ArrayList<>();
            for (DeliveryStore.Success next; batch.size() < BATCH && (next = successes.poll()) != null; ) {
                batch.add(next);
            }
            if (batch.isEmpty()) {
                recording.set(false);
                // a success added after the poll above and before the flag was cleared has no recorder yet
                if (successes.isEmpty() || !recording.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            try {
                Set<java.util.UUID> recorded = unchecked(() -> store.delivered(batch));
                Instant now = Instant.now();
                for (DeliveryStore.Success success : batch) {
                    if (recorded.contains(success.delivery().id())) {
                        metrics.attempt(WebhookMetrics.DELIVERED);
                        if (success.delivery().attempt() == 1) {
                            metrics.firstAttemptLatency(Duration.between(success.delivery().eventCreatedAt(), now));
                        }
                    }
                }
            } catch (RuntimeException e) {
                // their leases end and they are sent again: at least once holds
                LOG.warnf("%d webhook deliveries not recorded, sent again after their lease: %s", batch.size(),
                        e.getMessage());
                metrics.attempts(WebhookMetrics.UNRECORDED, batch.size());
            } finally {
                slots.release(batch.size());
                wake();
            }
        }
    }

    /** The n-th retry's delay: initial × 2^(n-1), at most the maximum, times a random half to all of it. */
    Duration backoff(int attempt) {
        long initial = config.initialBackoff().toMillis();
        long max = config.maxBackoff().toMillis();
        long exponential = attempt >= 40 ? max : Math.min(max, initial << Math.max(0, attempt - 1));
        return Duration.ofMillis((long) (exponential * (0.5 + ThreadLocalRandom.current().nextDouble() / 2)));
    }

    /** The event as GET /events/{id} shows it: what the receiver gets, and what is signed. */
    private String body(DeliveryStore.Claimed delivery) {
        try {
            return json.writeValueAsString(new EventResponse(delivery.eventId(), delivery.eventType(),
                    delivery.eventCreatedAt(), json.readValue(delivery.eventData(), EventResponse.Data.class)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write event " + delivery.eventId(), e);
        }
    }

    /**
     * Completes {@code answered} with the status and the first 1 KiB of the body: at the body's end,
     * once 1 KiB has come, or after BODY_WAIT with what has come by then. Past the 1 KiB or the wait
     * the exchange is reset: a receiver that streams a large or endless body holds no connection.
     */
    private void readExcerpt(HttpClientResponse response, Promise<AttemptOutcome> answered) {
        io.vertx.core.buffer.Buffer start = io.vertx.core.buffer.Buffer.buffer();
        Runnable complete = () -> answered.tryComplete(new AttemptOutcome.Answered(response.statusCode(),
                AttemptOutcome.excerpt(start.getBytes())));
        long wait = vertx.setTimer(BODY_WAIT.toMillis(), id -> {
            complete.run();
            response.request().reset();
        });
        response.exceptionHandler(failure -> complete.run());
        response.handler(chunk -> {
            if (start.length() < AttemptOutcome.EXCERPT_BYTES) {
                start.appendBuffer(chunk, 0, Math.min(chunk.length(), AttemptOutcome.EXCERPT_BYTES - start.length()));
                if (start.length() >= AttemptOutcome.EXCERPT_BYTES) {
                    vertx.cancelTimer(wait);
                    complete.run();
                    response.request().reset();
                }
            }
        });
        response.endHandler(end -> {
            vertx.cancelTimer(wait);
            complete.run();
        });
    }

    private static AttemptOutcome noConnection(Throwable failure) {
        return new AttemptOutcome.NoAnswer(AttemptOutcome.Kind.CONNECTION, describe(failure));
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return message.length() > 200 ? message.substring(0, 200) : message;
    }

    private java.util.concurrent.ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
