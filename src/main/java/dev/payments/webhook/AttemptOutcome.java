package dev.payments.webhook;

import java.nio.charset.StandardCharsets;

/**
 * How one attempt to deliver ended: the receiver answered (a 2xx delivers, anything else is
 * retried), or no answer came, for a reason of a kind. Recorded on the delivery (its last attempt)
 * and as a row of webhook_delivery_attempts, which GET .../attempts shows.
 */
sealed interface AttemptOutcome {

    /** At most this much of an answer's body is kept: enough to read a receiver's error message. */
    int EXCERPT_BYTES = 1024;

    /** The error kind as stored in webhook_delivery_attempts.error_kind; null for a delivery. */
    String errorKind();

    /** What went wrong, in a sentence that names no address; null for a delivery. */
    String error();

    /** The receiver answered {@code statusCode}; {@code excerpt} is the start of its body (empty if none). */
    record Answered(int statusCode, String excerpt) implements AttemptOutcome {
        boolean delivered() {
            return statusCode >= 200 && statusCode < 300;
        }

        /** http_status for an answer other than a 2xx. */
        @Override
        public String errorKind() {
            return delivered() ? null : "http_status";
        }

        @Override
        public String error() {
            return delivered() ? null : "answered " + statusCode;
        }
    }

    /** No answer: {@code kind} says why in a word, {@code error} in a sentence. */
    record NoAnswer(Kind kind, String error) implements AttemptOutcome {
        @Override
        public String errorKind() {
            return kind.stored;
        }
    }

    /** Why no answer came, as stored in webhook_delivery_attempts.error_kind. */
    enum Kind {
        /** No status line within payments.webhooks.timeout. */
        TIMEOUT("timeout"),
        /** The connection or TLS failed, or the receiver closed it. */
        CONNECTION("connection"),
        /** Not sent: the URL's address is one webhooks may not go to (now). */
        URL_REFUSED("url_refused"),
        /** Not sent: the endpoint's secret does not open here (its encryption key is not configured). */
        SECRET_UNREADABLE("secret_unreadable"),
        /** Anything else that stopped the attempt. */
        OTHER("other");

        final String stored;

        Kind(String stored) {
            this.stored = stored;
        }
    }

    /** A body's first bytes as text: UTF-8 (invalid bytes replaced), no NUL, at most EXCERPT_BYTES of UTF-8. */
    static String excerpt(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, EXCERPT_BYTES), StandardCharsets.UTF_8).replace("\0", "");
        while (text.getBytes(StandardCharsets.UTF_8).length > EXCERPT_BYTES) {
            text = text.substring(0, text.length() - 1);
        }
        return text;
    }
}
