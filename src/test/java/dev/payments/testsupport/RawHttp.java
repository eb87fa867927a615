package dev.payments.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 as bytes on a socket, for requests no well-behaved client would send: a request line
 * exactly as given (matrix parameters, dot segments, odd percent-encodings), conflicting or broken
 * Content-Length and Transfer-Encoding, invalid UTF-8. REST Assured and java.net.http normalize or
 * refuse such requests, which is right for them and useless for testing what the server does with
 * them. One request per connection ({@code Connection: close}).
 */
public final class RawHttp {

    private static final int TIMEOUT_MS = 20_000;

    private RawHttp() {
    }

    public record Answer(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** The port the application under test listens on (in process or packaged), as REST Assured knows it. */
    public static int port() {
        return io.restassured.RestAssured.port;
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body} as they are. */
    public static Answer send(String head, byte[] body) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port()), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            // no half-close: Vert.x takes it for the client going away and drops the answer
            return parse(readAll(socket.getInputStream()));
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + head.lines().findFirst().orElse(""), e);
        }
    }

    public static Answer get(String target, String... headers) {
        StringBuilder head = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: localhost");
        for (String header : headers) {
            head.append("\r\n").append(header);
        }
        return send(head.toString(), new byte[0]);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            if (bytes.size() == 0) {
                throw e;
            }
        }
        return bytes.toByteArray();
    }

    private static Answer parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.UTF_8);
        // interim answers (100 Continue) come before the real one
        while (text.startsWith("HTTP/1.1 1") && text.contains("\r\n\r\n")) {
            text = text.substring(text.indexOf("\r\n\r\n") + 4);
        }
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            throw new IllegalStateException("not an HTTP answer: " + text.substring(0, Math.min(200, text.length())));
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, body);
    }

    private static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int lineEnd = chunked.indexOf("\r\n", at);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            // sizes count bytes; the bodies here are ASCII JSON, so characters are bytes
            body.append(chunked, lineEnd + 2, Math.min(chunked.length(), lineEnd + 2 + size));
            at = lineEnd + 2 + size + 2;
        }
        return body.toString();
    }
}
