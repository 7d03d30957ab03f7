package tokenbroker.cache;

import java.time.Duration;
import tokenbroker.idp.AcquireFailure;

/**
 * No token can be served for a resource now: the last IdP request failed and no valid token is cached.
 *
 * @see tokenbroker.door.ErrorPolicy, the one place it becomes HTTP (503 with {@code Retry-After}, or 502 / 400)
 */
public final class TokenUnavailableException extends RuntimeException {

    private final String resource;
    private final transient AcquireFailure failure;
    private final Duration retryAfter;

    public TokenUnavailableException(String resource, AcquireFailure failure, Duration retryAfter) {
        this(resource, null, failure, retryAfter);
    }

    /** With the identity named too: an operator with several identities sees whose credential failed. */
    public TokenUnavailableException(String resource, String identity, AcquireFailure failure, Duration retryAfter) {
        super("idp: " + failure.describe() + " (resource " + resource + (identity == null ? "" : ", identity " + identity) + ")",
                null, false, false);
        this.resource = resource;
        this.failure = failure;
        this.retryAfter = retryAfter;
    }

    public String resource() {
        return resource;
    }

    public AcquireFailure failure() {
        return failure;
    }

    /** How long until the broker will ask the IdP again; at least one second. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
