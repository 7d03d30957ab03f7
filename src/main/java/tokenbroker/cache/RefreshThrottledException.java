package tokenbroker.cache;

import java.time.Duration;

/**
 * A caller asked for more than the cached token offers ({@code min_ttl}, {@code force_refresh}) while a token is
 * still servable, and callers already started an IdP request for this resource within {@code force-interval}.
 * Beyond the broker's own refresh schedule, callers start at most one IdP request per resource per interval
 * (SPEC §4), so that no process can get an app registration throttled at its IdP. Answered 503 with
 * {@code Retry-After}: the caller may ask again once the interval has passed.
 */
public final class RefreshThrottledException extends RuntimeException {

    private final String resource;
    private final Duration retryAfter;

    public RefreshThrottledException(String resource, Duration left, Duration retryAfter) {
        super("the cached token of resource " + resource + " has " + left.toSeconds() + " s left, less than asked, and "
                + "callers may start one IdP request per resource every force-interval; ask again in "
                + retryAfter.toSeconds() + " s", null, false, false);
        this.resource = resource;
        this.retryAfter = retryAfter;
    }

    public String resource() {
        return resource;
    }

    /** Until callers may start the next IdP request for this resource; at least one second. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
