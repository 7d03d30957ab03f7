package tokenbroker.cache;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import tokenbroker.idp.AcquireFailure;
import tokenbroker.token.AccessToken;

/**
 * One resource's state at one moment. Immutable: {@link TokenSlot} replaces it whole, by compare-and-set.
 *
 * @param token the last good token, kept until it expires whatever fails after it; {@code null} before the first
 * @param refreshAt when the sweeper should start the next refresh
 * @param inFlight the running IdP request that callers join, or {@code null}
 * @param attempt the number of the latest request; a completion that carries another number is stale
 * @param failures consecutive failures since the last success
 * @param lastFailure why the latest request failed, or {@code null} after a success
 * @param retryAt no IdP request before this instant after a failure, or {@code null}
 * @param lastRefresh when the last good token arrived
 * @param lastDemand when a caller last started an IdP request beyond the broker's own schedule ({@code min_ttl},
 *        {@code force_refresh}); callers start at most one per {@code force-interval}
 * @param servableUntilMillis the hot path's view of {@code token}: served while the clock's {@code millis()} is at
 *        most this ({@code expiresAt - min-serve-ttl}, rounded down, less one millisecond, so that a millisecond
 *        clock never serves late); {@link Long#MIN_VALUE} without a token
 */
record SlotState(AccessToken token, Instant refreshAt, Uni<AccessToken> inFlight, long attempt, int failures,
        AcquireFailure lastFailure, Instant retryAt, Instant lastRefresh, Instant lastDemand, long servableUntilMillis) {

    static final SlotState EMPTY = new SlotState(null, Instant.MIN, null, 0, 0, null, null, null, null, Long.MIN_VALUE);

    /**
     * Whether the token can be served at {@code now} with at least {@code minRemaining} left. Never true where the hot
     * path's millisecond rule ({@code servableUntilMillis}) says no, so that every path agrees at the boundary.
     */
    boolean servable(Instant now, Duration minRemaining) {
        return token != null && epochMillis(now) <= servableUntilMillis && token.validFor(now, minRemaining);
    }

    boolean coolingDown(Instant now) {
        return retryAt != null && now.isBefore(retryAt);
    }

    /** Whether callers started an IdP request within {@code interval} before {@code now}. */
    boolean demandedWithin(Instant now, Duration interval) {
        return lastDemand != null && now.isBefore(lastDemand.plus(interval));
    }

    SlotState started(long number, Uni<AccessToken> request, Instant demandAt) {
        return new SlotState(token, refreshAt, request, number, failures, lastFailure, retryAt, lastRefresh,
                demandAt != null ? demandAt : lastDemand, servableUntilMillis);
    }

    SlotState succeeded(AccessToken fresh, Instant nextRefresh, Duration minServeTtl) {
        long until = epochMillis(fresh.expiresAt().minus(minServeTtl)) - 1;
        return new SlotState(fresh, nextRefresh, null, attempt, 0, null, null, fresh.obtainedAt(), lastDemand, until);
    }

    SlotState failed(AcquireFailure failure, Instant nextTry) {
        return new SlotState(token, refreshAt, null, attempt, failures + 1, failure, nextTry, lastRefresh, lastDemand,
                servableUntilMillis);
    }

    /** Without its token, due for refresh now: the token was bound to a certificate that has been replaced. */
    SlotState dropped() {
        return new SlotState(null, Instant.MIN, inFlight, attempt, failures, lastFailure, retryAt, lastRefresh, lastDemand, Long.MIN_VALUE);
    }

    /** {@code instant} in milliseconds; an expiry beyond what a {@code long} of milliseconds holds is "never". */
    private static long epochMillis(Instant instant) {
        try {
            return instant.toEpochMilli();
        } catch (ArithmeticException e) {
            return instant.isAfter(Instant.EPOCH) ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
    }

    @Override
    public String toString() {
        return "SlotState[token=" + token + ", refreshAt=" + refreshAt + ", inFlight=" + (inFlight != null) + ", attempt="
                + attempt + ", failures=" + failures + ", retryAt=" + retryAt + "]";
    }
}
