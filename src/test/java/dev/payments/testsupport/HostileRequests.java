package dev.payments.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of requests a hostile or broken client could send: JSON values of every type
 * and size in every field, odd Unicode (in escapes and in raw bytes, valid and not), duplicate
 * keys, deep nesting, huge numbers, and broken or conflicting headers (Content-Type,
 * Idempotency-Key, Authorization, Content-Length, Transfer-Encoding), methods and path forms. The
 * same seed gives the same requests, so a failure can be replayed exactly.
 */
public final class HostileRequests {

    /**
     * One generated request: its bytes, what it was made to be (for messages), its key if any, and
     * whether its message framing is broken (a chunk size that is not hex): the HTTP layer then
     * closes the connection, as RFC 9112 section 7.1 allows, instead of answering.
     */
    public record Request(String description, String head, byte[] body, String idempotencyKey, boolean brokenFraming) {
        Request(String description, String head, byte[] body, String idempotencyKey) {
            this(description, head, body, idempotencyKey, false);
        }
    }

    private static final String[] FIELDS = {"amount", "currency", "payment_method", "description", "metadata"};
    private static final String[] METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "HEAD", "FOO"};
    private static final String[] CONTENT_TYPES = {"application/json", "application/json; charset=utf-8",
            "APPLICATION/JSON", "application/json; charset=utf-16", "application/json;charset=latin1", "text/plain",
            "application/x-www-form-urlencoded", "application/jsonx", "*/*", "", "application/json, text/plain",
            "multipart/form-data; boundary=x", "application/problem+json", "application/merge-patch+json"};
    /** Strings with the characters that break naive code: controls, NUL, RTL override, BOM, noncharacters. */
    private static final String[] ODD_TEXT = {"", " ", "\t", "\\u0000", "\\u0000abc", "a\\u0000", "\\ud800", "\\udfff",
            "\\ud83d\\ude00", "\\ude00\\ud83d", "\u202e\u202d", "\ufeff", "\uffff", "\ufffe", "\u0301\u0301\u0301",
            "\u200b", "\\n\\r\\t\\b\\f", "\\\\", "\\\"", "'; DROP TABLE payments; --", "%00", "${jndi:ldap://x}",
            "\ud834\udd1e", "\u0000", "\u007f", "\u0085", "\u2028\u2029", "\\u", "\\uZZZZ", "\\x41"};
    private static final String[] PATHS = {"/payments", "/payments/", "/payments;x", "//payments", "/payments/./",
            "/payments?limit=0", "/payments?limit=101", "/payments?limit=-1", "/payments?limit=abc", "/payments?limit=1e3",
            "/payments?starting_after=x", "/payments?starting_after=00000000-0000-0000-0000-000000000000",
            "/payments?limit=99999999999999999999", "/payments/00000000-0000-0000-0000-000000000000",
            "/payments/not-a-uuid", "/payments/1-2-3-4-5", "/payments/%00", "/payments/a/b", "/%70ayments",
            "/payments?limit=1&limit=2", "/payments?starting_after=%00", "/q/openapi", "/nothing",
            "/payments/00000000-0000-0000-0000-000000000000/capture", "/payments/00000000-0000-0000-0000-000000000000/cancel",
            "/payments/00000000-0000-0000-0000-000000000000/refunds", "/payments/not-a-uuid/refunds?limit=0",
            "/payments/x/capture;y", "/refunds/00000000-0000-0000-0000-000000000000", "/refunds/%00", "/refunds",
            "/refunds/1-2-3-4-5", "/events", "/events?type=%00", "/events?type=payment.succeeded&limit=0",
            "/events?starting_after=x", "/events/00000000-0000-0000-0000-000000000000", "/events/%00",
            "/events/00000000-0000-0000-0000-000000000000/redeliver", "/webhook_endpoints", "/webhook_endpoints?limit=0",
            "/webhook_endpoints/00000000-0000-0000-0000-000000000000", "/webhook_endpoints/x/rotate_secret",
            "/webhook_endpoints/00000000-0000-0000-0000-000000000000/deliveries?starting_after=%00"};

    private final Random random;
    private final String run;
    private int counter;

    public HostileRequests(long seed) {
        this.random = new Random(seed);
        this.run = "hostile-" + Long.toHexString(seed) + "-" + Long.toHexString(System.nanoTime());
    }

    public List<Request> generate(int count) {
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(next());
        }
        return requests;
    }

    private Request next() {
        int kind = random.nextInt(100);
        if (kind < 55) {
            return createWithBody(mutatedBody());
        }
        if (kind < 65) {
            return rawBody();
        }
        if (kind < 80) {
            return createWithBrokenHeaders();
        }
        return otherMethodOrPath();
    }

    /** A valid payment with one or more of its fields replaced by a hostile value (or none, sometimes). */
    private String mutatedBody() {
        StringBuilder json = new StringBuilder("{");
        List<String> members = new ArrayList<>(List.of("\"amount\":2500", "\"currency\":\"EUR\"",
                "\"payment_method\":\"pm_card_visa\"", "\"description\":\"" + run + "\""));
        int mutations = random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            String field = FIELDS[random.nextInt(FIELDS.length)];
            members.removeIf(member -> member.startsWith("\"" + field + "\""));
            if (random.nextInt(10) > 0) {
                members.add("\"" + field + "\":" + value(0));
            }
        }
        if (random.nextInt(8) == 0) {
            members.add("\"" + randomKey() + "\":" + value(0));
        }
        if (random.nextInt(10) == 0 && !members.isEmpty()) {
            members.add(members.get(random.nextInt(members.size())));
        }
        java.util.Collections.shuffle(members, random);
        json.append(String.join(random.nextInt(6) == 0 ? " ,\n\t" : ",", members)).append('}');
        return json.toString();
    }

    /** A JSON value of any type and size, nested up to a few levels (deeply nested ones are made whole). */
    private String value(int depth) {
        switch (random.nextInt(depth > 2 ? 9 : 13)) {
            case 0: return String.valueOf(random.nextLong());
            case 1: return String.valueOf(random.nextInt(200_000_000) - 50_000_000);
            case 2: return new String[] {"0", "-0", "1", "99999999", "100000000", "9223372036854775807",
                    "9223372036854775808", "-9223372036854775809", "1e400", "1.5", "2500.0", "25e2", "0x10", "NaN",
                    "Infinity", "-", "01", "1" + "0".repeat(random.nextInt(1200))}[random.nextInt(18)];
            case 3: return new String[] {"true", "false", "null", "tru", "nul", "undefined"}[random.nextInt(6)];
            case 4: return "\"" + oddText() + "\"";
            case 5: return "\"" + new String[] {"EUR", "eur", "usd", "XXX", "EURO", "€", "E", "123", "JPY", "xts"}[random.nextInt(10)] + "\"";
            case 6: return "\"" + new String[] {"pm_card_visa", "pm_card_declined", "pm_card_insufficient_funds",
                    "pm_card_mastercard", "pm_card_amex", "PM_CARD_VISA", ""}[random.nextInt(7)] + "\"";
            case 7: return "\"" + "x".repeat(random.nextInt(3) == 0 ? 20_000 : random.nextInt(700)) + "\"";
            case 8: return "\"" + randomText(random.nextInt(60)) + "\"";
            case 9: return array(depth);
            case 10: return object(depth);
            case 11: return "[".repeat(1 + random.nextInt(3000)) + "]".repeat(random.nextInt(3) == 0 ? 0 : 1);
            default: return "{\"a\":".repeat(1 + random.nextInt(1500)) + "1" + "}".repeat(random.nextInt(1500));
        }
    }

    private String array(int depth) {
        List<String> items = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            items.add(value(depth + 1));
        }
        return "[" + String.join(",", items) + "]";
    }

    private String object(int depth) {
        List<String> members = new ArrayList<>();
        for (int i = random.nextInt(random.nextInt(8) == 0 ? 40 : 4); i > 0; i--) {
            members.add("\"" + randomKey() + "\":" + (random.nextInt(3) > 0 ? "\"" + oddText() + "\"" : value(depth + 1)));
        }
        return "{" + String.join(",", members) + "}";
    }

    private String randomKey() {
        return switch (random.nextInt(5)) {
            case 0 -> oddText();
            case 1 -> "k".repeat(random.nextInt(60));
            default -> randomText(1 + random.nextInt(12));
        };
    }

    private String oddText() {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(4); i >= 0; i--) {
            text.append(random.nextBoolean() ? ODD_TEXT[random.nextInt(ODD_TEXT.length)] : randomText(random.nextInt(8)));
        }
        return text.toString();
    }

    /** Code points from every plane, JSON-escaped where JSON requires it. */
    private String randomText(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int codePoint = switch (random.nextInt(6)) {
                case 0 -> 0x20 + random.nextInt(0x5f);
                case 1 -> random.nextInt(0x20);
                case 2 -> 0x80 + random.nextInt(0x780);
                case 3 -> 0x800 + random.nextInt(0xD000);
                case 4 -> 0xE000 + random.nextInt(0x2000);
                default -> 0x10000 + random.nextInt(0x100000);
            };
            if (codePoint < 0x20 || codePoint == '"' || codePoint == '\\') {
                text.append(String.format("\\u%04x", codePoint));
            } else if (codePoint >= 0xD800 && codePoint <= 0xDFFF) {
                text.append(String.format("\\u%04x", codePoint));
            } else {
                text.appendCodePoint(codePoint);
            }
        }
        return text.toString();
    }

    /** Bodies that are not a JSON object, or not JSON, or not UTF-8. */
    private byte[] rawBodyBytes() {
        return switch (random.nextInt(10)) {
            case 0 -> new byte[0];
            case 1 -> utf8(mutatedBody().substring(0, random.nextInt(40)));
            case 2 -> utf8(mutatedBody() + new String[] {"}", "x", "{}", ",", "\u0000"}[random.nextInt(5)]);
            case 3 -> concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(mutatedBody()));
            case 4 -> {
                byte[] body = utf8(mutatedBody());
                for (int i = random.nextInt(4); i >= 0; i--) {
                    body[random.nextInt(body.length)] = (byte) (0x80 + random.nextInt(0x80));
                }
                yield body;
            }
            case 5 -> utf8(value(0));
            case 6 -> mutatedBody().getBytes(StandardCharsets.UTF_16);
            case 7 -> utf8("{\"description\":\"" + "\u0000".repeat(random.nextInt(3)) + "\"}");
            case 8 -> bytesOf(random.nextInt(400));
            default -> utf8("{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\"a"
                    + new String(new char[] {(char) random.nextInt(0x20)}) + "b\"}");
        };
    }

    private byte[] bytesOf(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private Request createWithBody(String json) {
        return createWithBody(utf8(json), "json body " + abbreviate(json));
    }

    private Request createWithBody(byte[] body) {
        return createWithBody(body, "raw body of " + body.length + " bytes");
    }

    private Request rawBody() {
        return createWithBody(rawBodyBytes());
    }

    private Request createWithBody(byte[] body, String description) {
        String key = newKey();
        String head = "POST /payments HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + merchantKey()
                + "\r\nIdempotency-Key: " + key + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length;
        return new Request(description, head, body, key);
    }

    private Request createWithBrokenHeaders() {
        byte[] body = utf8(mutatedBody());
        String key = newKey();
        List<String> headers = new ArrayList<>(List.of("Host: localhost", "Authorization: Bearer " + merchantKey(),
                "Idempotency-Key: " + key, "Content-Type: application/json", "Content-Length: " + body.length));
        String usedKey = key;
        String what;
        switch (random.nextInt(9)) {
            case 0 -> {
                headers.set(3, "Content-Type: " + CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)]);
                what = headers.get(3);
                if (headers.get(3).endsWith(": ")) {
                    headers.remove(3);
                }
            }
            case 1 -> {
                String bad = new String[] {"", "\"\"", key + "k".repeat(256 - key.length()), "has space", "caf\u00e9",
                        "\u0001", "\"" + key, "a b", key + "k".repeat(255 - key.length()), "\"" + key + "\""}[random.nextInt(10)];
                headers.set(2, "Idempotency-Key: " + bad);
                // the longest valid key, a key that starts with a quote, and the quoted form are keys like any other
                usedKey = bad.length() == 255 || bad.equals("\"" + key) ? bad : bad.equals("\"" + key + "\"") ? key : null;
                what = "Idempotency-Key " + abbreviate(bad);
            }
            case 2 -> {
                headers.add("Idempotency-Key: " + newKey());
                usedKey = null;
                what = "two Idempotency-Keys";
            }
            case 3 -> {
                String bad = new String[] {"", "Bearer", "Bearer ", "Basic YWNtZTp4", "Bearer sk_test_acme extra",
                        "Bearer " + "A".repeat(6000), "bearer\tsk_test_acme", "Bearer sk_test_nobody", "Bearer \u00e9\u00e9",
                        "Bearer sk_test_acme\u0000"}[random.nextInt(10)];
                headers.set(1, "Authorization: " + bad);
                what = "Authorization " + abbreviate(bad);
            }
            case 4 -> {
                headers.add("Authorization: Bearer " + merchantKey());
                what = "two Authorization headers";
            }
            case 5 -> {
                headers.set(4, "Content-Length: " + new String[] {"-1", "abc", "1e3", " 0", String.valueOf(body.length / 2),
                        "99999999999999999999", "+" + body.length}[random.nextInt(7)]);
                what = headers.get(4);
            }
            case 6 -> {
                headers.set(4, "Transfer-Encoding: chunked");
                boolean broken = random.nextInt(4) == 0;
                return new Request(broken ? "chunked body with broken chunk sizes" : "chunked body",
                        postHead(headers),
                        chunked(body, broken), key, broken);
            }
            case 7 -> {
                headers.add("Transfer-Encoding: " + new String[] {"chunked", "gzip", "chunked, identity", "identity"}[random.nextInt(4)]);
                body = chunked(body, false);
                what = "Content-Length with Transfer-Encoding";
            }
            default -> {
                headers.add(new String[] {"X-Forwarded-For: 127.0.0.1, ' OR 1=1", "Expect: 100-continue",
                        "Content-Encoding: gzip", "Accept: text/html", "Accept: application/xml", "Host: evil.example",
                        "X-HTTP-Method-Override: DELETE"}[random.nextInt(7)]);
                what = headers.get(headers.size() - 1);
            }
        }
        return new Request("broken headers: " + what, postHead(headers),
                body, usedKey);
    }

    /** The request line of a create, then the headers. */
    private static String postHead(List<String> headers) {
        return "POST /payments HTTP/1.1\r\n" + String.join("\r\n", headers);
    }

    private Request otherMethodOrPath() {
        String method = METHODS[random.nextInt(METHODS.length)];
        String path = random.nextInt(4) == 0 ? "/payments/" + randomPathSegment() : PATHS[random.nextInt(PATHS.length)];
        String head = method + " " + path + " HTTP/1.1\r\nHost: localhost"
                + (random.nextInt(4) > 0 ? "\r\nAuthorization: Bearer " + merchantKey() : "");
        byte[] body = new byte[0];
        if (random.nextBoolean()) {
            body = utf8(mutatedBody());
            head += "\r\nContent-Type: application/json\r\nContent-Length: " + body.length;
        }
        return new Request(method + " " + path, head, body, null);
    }

    private String randomPathSegment() {
        StringBuilder segment = new StringBuilder();
        String safe = "abcdef0123456789-._~!$&'()*+,;=:@%";
        for (int i = random.nextInt(40); i >= 0; i--) {
            segment.append(safe.charAt(random.nextInt(safe.length())));
        }
        return segment.toString().replace("%", "%2" + "0123456789ABCDEF".charAt(random.nextInt(16)));
    }

    private byte[] chunked(byte[] body, boolean broken) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < body.length) {
            int size = Math.min(body.length - at, 1 + random.nextInt(64));
            out.writeBytes(utf8((broken ? "zz" : Integer.toHexString(size)) + "\r\n"));
            out.write(body, at, size);
            out.writeBytes(utf8("\r\n"));
            at += size;
        }
        out.writeBytes(utf8("0\r\n\r\n"));
        return out.toByteArray();
    }

    private String merchantKey() {
        return random.nextInt(4) == 0 ? Api.GLOBEX_KEY : Api.ACME_KEY;
    }

    private String newKey() {
        return run + "-" + counter++;
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "... (" + text.length() + " chars)";
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
