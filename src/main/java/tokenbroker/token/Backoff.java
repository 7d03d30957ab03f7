package tokenbroker.token;

import java.time.Duration;

/**
 * How long to wait before the next IdP request after {@code failures} failures in a row: exponential with full
 * jitter between {@code initial} and a ceiling that doubles from {@code initial} up to {@code max}.
 *
 * <p>Permanent failures wait {@link #slowest()}, and an IdP's {@code Retry-After} is a floor (capped at
 * {@link #MAX_RETRY_AFTER} so that a broken header cannot silence a resource for days).
 */
public record Backoff(Duration initial, Duration max) {

    /** The longest {@code Retry-After} the broker honours. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

    public Backoff {
        if (!(initial.compareTo(Duration.ZERO) > 0) || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff: need 0 < initial <= max, got " + initial + " and " + max);
        }
    }

    /**
     * The delay after {@code failures} consecutive failures (1 for the first).
     *
     * @param random a number in [0, 1)
     */
    public Duration delay(int failures, double random) {
        long initialMs = initial.toMillis();
        int doublings = Math.max(0, Math.min(failures - 1, 30));
        // Shifting by the number of leading zeros or more would overflow into a negative ceiling: saturate.
        long doubledMs = doublings < Long.numberOfLeadingZeros(initialMs) ? initialMs << doublings : Long.MAX_VALUE;
        long ceilingMs = Math.min(max.toMillis(), doubledMs);
        return Duration.ofMillis(initialMs + (long) (random * (ceilingMs - initialMs)));
    }

    /** The pace for failures that retrying soon will not mend (a revoked secret, an unknown client). */
    public Duration slowest() {
        return max;
    }

    /** The delay to wait: {@code computed}, but never less than what the IdP asked for. */
    public static Duration honouring(Duration computed, Duration retryAfter) {
        if (retryAfter == null || !(retryAfter.compareTo(Duration.ZERO) > 0)) {
            return computed;
        }
        Duration asked = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
        return asked.compareTo(computed) > 0 ? asked : computed;
    }
}
