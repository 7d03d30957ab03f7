package tokenbroker.idp;

import java.time.Duration;

/**
 * Why a token request failed, sorted by what the broker should do about it.
 *
 * <p>{@link Rejected}: the IdP understood us and said no (bad secret, unknown client, bad scope); retrying soon
 * will not help. {@link Unreachable}: the IdP could not be reached or is overloaded (I/O, timeout, 5xx, 429);
 * back off and keep serving a valid token. {@link Malformed}: the IdP answered 200 with something that is not a
 * usable token. Every text here is safe to show to callers and logs: it never holds a secret or a token.
 */
public sealed interface AcquireFailure permits AcquireFailure.Rejected, AcquireFailure.Unreachable, AcquireFailure.Malformed {

    /** Whether a retry soon may succeed (drives the backoff pace and the HTTP status: 503 or 502). */
    boolean retryable();

    /** The IdP's {@code Retry-After}, or {@code null}. */
    default Duration retryAfter() {
        return null;
    }

    /** A one-line description for operators and callers. */
    String describe();

    /** A short machine word for metrics and logs: {@code rejected}, {@code unreachable}, {@code malformed}. */
    String kind();

    /**
     * The IdP refused the request.
     *
     * @param error the IdP's error code ({@code invalid_client}, or an Entra {@code AADSTS...} code)
     * @param description the IdP's description, trimmed
     * @param hint what an operator should check, or {@code null}
     */
    record Rejected(String error, String description, String hint) implements AcquireFailure {
        @Override
        public boolean retryable() {
            return false;
        }

        @Override
        public String describe() {
            String text = description == null || description.isBlank() ? error : error + ": " + description;
            return hint == null ? text : text + " (hint: " + hint + ")";
        }

        @Override
        public String kind() {
            return "rejected";
        }
    }

    /** The IdP could not be reached or asked us to come back later. */
    record Unreachable(String reason, Duration retryAfter) implements AcquireFailure {
        public Unreachable(String reason) {
            this(reason, null);
        }

        @Override
        public boolean retryable() {
            return true;
        }

        @Override
        public String describe() {
            return reason;
        }

        @Override
        public String kind() {
            return "unreachable";
        }
    }

    /** The IdP answered 200 with no usable token. */
    record Malformed(String reason) implements AcquireFailure {
        @Override
        public boolean retryable() {
            return false;
        }

        @Override
        public String describe() {
            return reason;
        }

        @Override
        public String kind() {
            return "malformed";
        }
    }
}
