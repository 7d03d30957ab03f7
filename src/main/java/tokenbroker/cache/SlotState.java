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
 * @param lastForced when the last {@code force_refresh} started an IdP request
 */
record SlotState(AccessToken token, Instant refreshAt, Uni<AccessToken> inFlight, long attempt, int failures,
        AcquireFailure lastFailure, Instant retryAt, Instant lastRefresh, Instant lastForced) {

    static final SlotState EMPTY = new SlotState(null, Instant.MIN, null, 0, 0, null, null, null, null);

    boolean servable(Instant now, Duration minRemaining) {
        return token != null && token.validFor(now, minRemaining);
    }

    boolean coolingDown(Instant now) {
        return retryAt != null && now.isBefore(retryAt);
    }

    SlotState started(long number, Uni<AccessToken> request, Instant forcedAt) {
        return new SlotState(token, refreshAt, request, number, failures, lastFailure, retryAt, lastRefresh,
                forcedAt != null ? forcedAt : lastForced);
    }

    SlotState succeeded(AccessToken fresh, Instant nextRefresh) {
        return new SlotState(fresh, nextRefresh, null, attempt, 0, null, null, fresh.obtainedAt(), lastForced);
    }

    SlotState failed(AcquireFailure failure, Instant nextTry) {
        return new SlotState(token, refreshAt, null, attempt, failures + 1, failure, nextTry, lastRefresh, lastForced);
    }

    @Override
    public String toString() {
        return "SlotState[token=" + token + ", refreshAt=" + refreshAt + ", inFlight=" + (inFlight != null) + ", attempt="
                + attempt + ", failures=" + failures + ", retryAt=" + retryAt + "]";
    }
}
