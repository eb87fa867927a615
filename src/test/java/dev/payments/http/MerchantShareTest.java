package dev.payments.http;

import static dev.payments.testsupport.Api.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.ProcessorInvariants;
import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One merchant cannot take the service from the others, with the production limits (the adaptive
 * limit up to 64 places): 128 connections of acme that send a create's headers and then its body a
 * byte a second hold no place (the body is read before a place is taken), so globex's creates are
 * all answered 201 within 2 s meanwhile; the slow ones end 408 after the 5 s read deadline, with
 * nothing stored. And however slow its requests are once read, a merchant has at most its share of
 * places at once (4 here): past it 429 with Retry-After, nothing stored, while the others are served.
 */
@QuarkusTest
@TestProfile(MerchantShareTest.ProductionLimits.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class MerchantShareTest {

    static final int SLOW_CONNECTIONS = 128;
    static final int SHARE = 4;

    public static class ProductionLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("payments.overload.limit", "gradient",
                    "payments.overload.max-concurrent-requests", "64",
                    "payments.overload.max-concurrent-requests-per-merchant", String.valueOf(SHARE));
        }
    }

    @AfterEach
    void ledgerHolds() throws InterruptedException {
        Simulator.shared().latency(0);
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(20));
    }

    @Test
    void slowClientsOfOneMerchantHoldNoPlaceAndEndIn408() throws Exception {
        create(GLOBEX_KEY, newKey(), visa()).then().statusCode(201); // warm
        Simulator.shared().latency(20); // a processor that takes a little time, as real ones do
        List<SlowClient> slow = new ArrayList<>();
        ExecutorService readers = Executors.newFixedThreadPool(SLOW_CONNECTIONS);
        try {
            for (int i = 0; i < SLOW_CONNECTIONS; i++) {
                slow.add(new SlowClient("slow-" + i + "-" + newKey()));
            }
            List<Future<Integer>> endings = new ArrayList<>();
            for (SlowClient client : slow) {
                endings.add(readers.submit(client::dribbleUntilAnswered));
            }
            Thread.sleep(500); // every slow request has its headers in and is sending its body
            long slowest = 0;
            for (int i = 0; i < 20; i++) {
                Response created = create(GLOBEX_KEY, newKey(), visa());
                assertEquals(201, created.statusCode(), created.asString());
                slowest = Math.max(slowest, created.timeIn(TimeUnit.MILLISECONDS));
            }
            System.out.printf("[slow clients] %d slow connections of acme; globex's 20 creates, slowest %d ms%n",
                    SLOW_CONNECTIONS, slowest);
            assertTrue(slowest < 2000, "globex's slowest create took " + slowest + " ms");
            long startedAt = System.nanoTime();
            for (Future<Integer> ending : endings) {
                assertEquals(408, ending.get(20, TimeUnit.SECONDS), "a body that takes too long is answered 408");
            }
            System.out.printf("[slow clients] all %d ended 408 within %d ms of globex's last create%n",
                    SLOW_CONNECTIONS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
            for (SlowClient client : slow) {
                assertEquals(0, TestDatabase.keyRows(ACME, client.key), "nothing stored for a request that timed out");
            }
        } finally {
            readers.shutdownNow();
            for (SlowClient client : slow) {
                client.close();
            }
        }
    }

    @Test
    void aMerchantPastItsShareGets429AndTheOthersAreServed() throws Exception {
        create(ACME_KEY, newKey(), visa()).then().statusCode(201); // warm
        Simulator.shared().latency(1000); // each admitted create holds its place a second
        ExecutorService clients = Executors.newFixedThreadPool(2 * SHARE);
        try {
            List<String> keys = new ArrayList<>();
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 2 * SHARE; i++) {
                String key = newKey();
                keys.add(key);
                answers.add(clients.submit(() -> create(ACME_KEY, key, visa())));
            }
            Thread.sleep(300);
            Response other = create(GLOBEX_KEY, newKey(), visa());
            assertEquals(201, other.statusCode(), "another merchant is served meanwhile: " + other.asString());
            int created = 0;
            for (int i = 0; i < answers.size(); i++) {
                Response answer = answers.get(i).get(30, TimeUnit.SECONDS);
                if (answer.statusCode() == 429) {
                    assertEquals("application/problem+json", answer.contentType());
                    assertTrue(answer.path("type").toString().endsWith("/too-many-concurrent-requests"), answer.asString());
                    assertEquals("1", answer.header("Retry-After"));
                    assertEquals(0, TestDatabase.keyRows(ACME, keys.get(i)), "nothing stored past the share");
                } else {
                    assertEquals(201, answer.statusCode(), answer.asString());
                    created++;
                }
            }
            assertEquals(SHARE, created, "the merchant's share is worked on, the rest refused");
        } finally {
            clients.shutdownNow();
        }
    }

    /** A client that sends a create's headers at once and its body a byte a second, as long as it is let. */
    static final class SlowClient implements AutoCloseable {
        final String key;
        final Socket socket = new Socket();

        SlowClient(String key) throws IOException {
            this.key = key;
            socket.connect(new InetSocketAddress("localhost", RestAssured.port), 2000);
            socket.setSoTimeout(100);
            String head = "POST /payments HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ACME_KEY
                    + "\r\nIdempotency-Key: " + key + "\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n{";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        }

        /** The answer's status, sending a byte a second until it comes (at most 15 s). */
        int dribbleUntilAnswered() throws IOException {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] answer = new byte[12];
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            long nextByte = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            int read = 0;
            while (read < answer.length && System.nanoTime() < until) {
                try {
                    int n = in.read(answer, read, answer.length - read);
                    if (n < 0) {
                        break;
                    }
                    read += n;
                } catch (java.net.SocketTimeoutException nothingYet) {
                    if (System.nanoTime() >= nextByte) {
                        nextByte += TimeUnit.SECONDS.toNanos(1);
                        try {
                            out.write(' ');
                        } catch (IOException closed) {
                            nextByte = Long.MAX_VALUE; // answered and closed: read what it said
                        }
                    }
                }
            }
            String statusLine = new String(answer, 0, read, StandardCharsets.US_ASCII);
            return statusLine.startsWith("HTTP/1.1 ") ? Integer.parseInt(statusLine.substring(9, 12)) : -1;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
