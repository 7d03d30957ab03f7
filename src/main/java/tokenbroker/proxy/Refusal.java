package tokenbroker.proxy;

import java.time.Duration;

/**
 * One of the broker's own answers on a route, instead of the upstream's: no right, no token, the upstream out of
 * reach, a request the broker will not forward. {@link ProxyErrors} renders it.
 *
 * @param error the OAuth-style error code; a fixed word, also the refusal's metric label
 * @param description what went wrong, for the caller and the log line; never a token, a secret or a header value
 * @param retryAfter the {@code Retry-After} to send, or {@code null}
 * @param close whether the connection must be closed after the answer (an unread or ambiguous body)
 */
record Refusal(int status, String error, String description, Duration retryAfter, boolean close) {

    static Refusal of(int status, String error, String description) {
        return new Refusal(status, error, description, null, false);
    }

    static Refusal badRequest(String description) {
        return of(400, "invalid_request", description);
    }

    /** The same refusal, and the connection closed after it. */
    Refusal closing() {
        return new Refusal(status, error, description, retryAfter, true);
    }
}
