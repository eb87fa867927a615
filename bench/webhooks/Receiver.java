// The benchmark's webhook receiver: java bench/webhooks/Receiver.java PORT SECRET
// Verifies every signature, answers 200, and measures each event's latency from its created_at
// (the commit of the change, on the database's clock, the same host's) to its arrival here.
// GET /stats answers {"received", "duplicates", "bad_signatures", "p50_ms", "p99_ms", "max_ms",
// "first_ms", "last_ms"}; GET /reset forgets everything.
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class Receiver {
    private static final Pattern CREATED = Pattern.compile("\"created_at\":\"([^\"]+)\"");
    private static final List<Long> latencies = new ArrayList<>();
    private static final Set<String> seen = new HashSet<>();
    private static long duplicates, bad, first, last;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String secret = args[1];
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1000);
        server.createContext("/hook", exchange -> {
            long now = System.currentTimeMillis();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String header = exchange.getRequestHeaders().getFirst("Payments-Signature");
            String id = exchange.getRequestHeaders().getFirst("Payments-Event-Id");
            boolean signed = verify(header, body, secret);
            Matcher created = CREATED.matcher(body);
            synchronized (Receiver.class) {
                if (!signed) {
                    bad++;
                } else if (!seen.add(id)) {
                    duplicates++;
                } else if (created.find()) {
                    latencies.add(now - Instant.parse(created.group(1)).toEpochMilli());
                    first = first == 0 ? now : first;
                    last = now;
                }
            }
            exchange.sendResponseHeaders(signed ? 200 : 400, -1);
            exchange.close();
        });
        server.createContext("/stats", exchange -> {
            String json;
            synchronized (Receiver.class) {
                List<Long> sorted = new ArrayList<>(latencies);
                sorted.sort(null);
                json = String.format("{\"received\":%d,\"duplicates\":%d,\"bad_signatures\":%d,\"p50_ms\":%d,"
                        + "\"p99_ms\":%d,\"max_ms\":%d,\"first_ms\":%d,\"last_ms\":%d}", sorted.size(), duplicates, bad,
                        at(sorted, 0.50), at(sorted, 0.99), sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1), first,
                        last);
            }
            byte[] out = json.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.createContext("/reset", exchange -> {
            synchronized (Receiver.class) {
                latencies.clear();
                seen.clear();
                duplicates = bad = first = last = 0;
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
    }

    private static long at(List<Long> sorted, double quantile) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.floor(quantile * sorted.size())));
    }

    private static boolean verify(String header, String body, String secret) {
        try {
            long t = 0;
            List<String> v1 = new ArrayList<>();
            for (String part : header.split(",")) {
                if (part.startsWith("t=")) t = Long.parseLong(part.substring(2));
                else if (part.startsWith("v1=")) v1.add(part.substring(3));
            }
            if (Math.abs(Instant.now().getEpochSecond() - t) > 300) return false;
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String expected = java.util.HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
            return v1.contains(expected);
        } catch (Exception e) {
            return false;
        }
    }
}
