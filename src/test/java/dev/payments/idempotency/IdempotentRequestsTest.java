package dev.payments.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.payments.testsupport.TestDatabase;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The key mechanism by itself, on the real PostgreSQL and without HTTP: each path of a key, with an
 * operation reduced to what the mechanism sees of one (a claim, an answer, an attempt to take over).
 */
@QuarkusTest
class IdempotentRequestsTest {

    private static final String MERCHANT = "acme";
    private static final StoredAnswer CREATED = new StoredAnswer(201, "{\"id\":\"x\"}", "/things/x");

    @Inject
    IdempotentRequests keys;

    @Test
    void claimsAFreeKeyAndAnswersItsRequest() {
        KeyedRequest request = request("a");
        Claim<Void> claim = claimAndAnswer(request, UUID.randomUUID(), CREATED);

        assertEquals(new Claim.Answered<Void>(CREATED), claim);
        assertEquals(1, TestDatabase.keyRows(MERCHANT, request.key().value()));
    }

    @Test
    void replaysTheStoredAnswerForTheSameRequest() {
        UUID resource = UUID.randomUUID();
        KeyedRequest request = request("a");
        claimAndAnswer(request, resource, CREATED);

        KeyedRequest repeat = new KeyedRequest(MERCHANT, request.key(), request.fingerprint(), null);
        Claim<Void> again = claimAndAnswer(repeat, resource, new StoredAnswer(201, "{\"id\":\"other\"}", null));

        assertInstanceOf(Claim.TakenUnseen.class, again, "the key was someone's: nothing of this request is stored");
        Outcome outcome = keys.outcomeOfClaim(repeat, again, 1).orElseThrow();
        assertEquals(new Outcome.Answered(CREATED, true), outcome);
    }

    @Test
    void anotherRequestWithTheKeyIsKeyReused() {
        KeyedRequest request = request("a");
        claimAndAnswer(request, UUID.randomUUID(), CREATED);

        KeyedRequest other = keys.request(MERCHANT, request.key(), "POST", "/things", Map.of("body", "b"));
        Claim<Void> claim = claimAndAnswer(other, UUID.randomUUID(), CREATED);

        assertEquals(Optional.of(new Outcome.KeyReused()), keys.outcomeOfClaim(other, claim, 1));
    }

    @Test
    void waitsForTheAnswerOfTheAttemptUnderWay() throws Exception {
        UUID resource = UUID.randomUUID();
        KeyedRequest request = request("a");
        assertInstanceOf(Claim.Started.class, this.<Void>claimOnly(request, resource));

        // the first attempt answers 300 ms later, while the repeat waits
        CompletableFuture<Void> firstAttempt = CompletableFuture.runAsync(() -> {
            sleep(Duration.ofMillis(300));
            keys.inTransaction(() -> new Claim.Answered<Void>(keys.answer(request, CREATED)));
        });
        long started = System.nanoTime();
        Outcome outcome = keys.outcomeOfClaim(request, this.<Void>claimOnly(request, resource), 1).orElseThrow();
        firstAttempt.get(10, TimeUnit.SECONDS);

        assertEquals(new Outcome.Answered(CREATED, true), outcome);
        assertTrue(System.nanoTime() - started >= Duration.ofMillis(250).toNanos(), "it waited for the answer");
    }

    @Test
    void takesOverAnAttemptThatNoOneHoldsAndAnswersItsOutcome() {
        KeyedRequest request = request("a");
        UUID resource = UUID.randomUUID();
        claimOnly(request, resource);
        AtomicInteger finished = new AtomicInteger();
        Resumable<String> abandoned = new Resumable<>() {
            @Override
            public Optional<String> takeOver(KeyedRequest takenBy, StoredKey stored) {
                assertEquals(resource, stored.resourceId());
                return Optional.of("the attempt");
            }

            @Override
            public Finish finishTakenOver(String attempt) {
                finished.incrementAndGet();
                return new Finish.Finished(CREATED);
            }
        };

        Outcome outcome = keys.outcomeOfClaim(request, this.<String>claimOnly(request, resource), abandoned, 1)
                .orElseThrow();

        assertEquals(new Outcome.Answered(CREATED, true), outcome);
        assertEquals(1, finished.get(), "one take-over, one outcome");
    }

    @Test
    void answersKeyInUseWhenTheAttemptOutlastsTheLockTimeout() {
        KeyedRequest request = request("a");
        UUID resource = UUID.randomUUID();
        claimOnly(request, resource);

        long started = System.nanoTime();
        Outcome outcome = keys.outcomeOfClaim(request, this.<Void>claimOnly(request, resource), 1).orElseThrow();

        assertEquals(new Outcome.KeyInUse(), outcome);
        assertTrue(System.nanoTime() - started >= Duration.ofSeconds(4).toNanos(), "it waited the lock timeout (5 s)");
    }

    @Test
    void aClaimBehindAnUncommittedOneThatOutlastsTheLockTimeoutIsBusy() throws Exception {
        KeyedRequest request = request("a");
        try (TestDatabase.HeldKey held = TestDatabase.hold(MERCHANT, request.key().value())) {
            Claim<Void> claim = this.<Void>claimOnly(request, UUID.randomUUID());

            assertInstanceOf(Claim.Busy.class, claim);
            assertEquals(Optional.of(new Outcome.KeyInUse()), keys.outcomeOfClaim(request, claim, 1));
        }
        assertEquals(0, TestDatabase.keyRows(MERCHANT, request.key().value()), "nothing of either is stored");
    }

    @Test
    void anExpiredKeyIsForgottenAndClaimedAgain() {
        KeyedRequest request = request("a");
        claimAndAnswer(request, UUID.randomUUID(), CREATED);
        TestDatabase.age(MERCHANT, request.key().value(), Duration.ofDays(2));

        Claim<Void> taken = claimAndAnswer(request, UUID.randomUUID(), CREATED);
        assertEquals(Optional.empty(), keys.outcomeOfClaim(request, taken, 1), "free again: claim it anew");

        StoredAnswer second = new StoredAnswer(201, "{\"id\":\"second\"}", null);
        assertEquals(new Claim.Answered<Void>(second), claimAndAnswer(request, UUID.randomUUID(), second));
    }

    /** Phase 1 of an operation done wholly in it: the key and its answer in one transaction. */
    private Claim<Void> claimAndAnswer(KeyedRequest request, UUID resource, StoredAnswer answer) {
        return keys.inTransaction(() -> keys.claim(request, null, resource)
                ? new Claim.Answered<>(keys.answer(request, answer))
                : new Claim.TakenUnseen<>());
    }

    /** Phase 1 of an operation that goes on to a phase 2: the key claimed, no answer yet. */
    private <A> Claim<A> claimOnly(KeyedRequest request, UUID resource) {
        return keys.inTransaction(() -> keys.claim(request, null, resource)
                ? new Claim.Started<>(null)
                : new Claim.TakenUnseen<>());
    }

    private KeyedRequest request(String body) {
        return keys.request(MERCHANT, new IdempotencyKey("mechanism-" + UUID.randomUUID()), "POST", "/things",
                Map.of("body", body));
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
