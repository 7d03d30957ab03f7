package tokenbroker.cache;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import tokenbroker.config.ResourceSpec;
import tokenbroker.idp.AcquireFailure;
import tokenbroker.idp.IdentityProvider;
import tokenbroker.idp.IdpException;
import tokenbroker.token.AccessToken;
import tokenbroker.token.Backoff;
import tokenbroker.token.RefreshPolicy;

/**
 * One resource's token: served from memory while valid, refreshed ahead of expiry, with at most one IdP request
 * at a time however many callers wait.
 *
 * <p>Invariants: a caller never waits on the IdP while a servable token is cached; nothing is served with less
 * than {@code min-serve-ttl} left; no IdP request starts before {@code retryAt} after a failure. The state is one
 * immutable {@link SlotState} swapped by compare-and-set; the running request is a memoized {@code Uni} that
 * every waiting caller subscribes to (quarkus-oidc-client's {@code TokensHelper} pattern, plus injected time,
 * backoff and a guard against stale completions).
 *
 * <pre>{@code
 * AccessToken t = slot.servable();          // hot path: no allocation, no IdP
 * if (t == null) slot.token(Duration.ZERO)  // waits for the running or a new request
 *         .subscribe().with(...);
 * }</pre>
 */
public final class TokenSlot {

    private final ResourceSpec resource;
    private final IdentityProvider idp;
    private final InstantSource clock;
    private final RefreshPolicy policy;
    private final Backoff backoff;
    private final Duration forceInterval;
    private final DoubleSupplier random;
    private final RefreshListener listener;
    /** Changes only by compare-and-set in {@link #start} and by {@code updateAndGet} in {@link #complete}. */
    private final AtomicReference<SlotState> state = new AtomicReference<>(SlotState.EMPTY);

    public TokenSlot(ResourceSpec resource, IdentityProvider idp, InstantSource clock, RefreshPolicy policy, Backoff backoff,
            Duration forceInterval, DoubleSupplier random, RefreshListener listener) {
        this.resource = resource;
        this.idp = idp;
        this.clock = clock;
        this.policy = policy;
        this.backoff = backoff;
        this.forceInterval = forceInterval;
        this.random = random;
        this.listener = listener;
    }

    public ResourceSpec resource() {
        return resource;
    }

    /** The cached token if it can be served now, else {@code null}. The hot path: reads one volatile, allocates nothing. */
    public AccessToken servable() {
        SlotState s = state.get();
        return s.servable(clock.instant(), policy.minServeTtl()) ? s.token() : null;
    }

    /**
     * A token with at least {@code minTtl} (and never less than {@code min-serve-ttl}) left: the cached one, the
     * one the running request brings, or one from a new request. Fails with {@link TokenUnavailableException}
     * while the IdP fails and no such token exists, or {@link MinTtlUnreachableException}.
     */
    public Uni<AccessToken> token(Duration minTtl) {
        Duration need = minTtl.compareTo(policy.minServeTtl()) > 0 ? minTtl : policy.minServeTtl();
        for (;;) {
            SlotState s = state.get();
            Instant now = clock.instant();
            if (s.servable(now, need)) {
                return Uni.createFrom().item(s.token());
            }
            if (s.token() != null && need.compareTo(s.token().lifetime()) > 0) {
                // Even a brand-new token would fall short: refusing here keeps such callers off the IdP.
                return Uni.createFrom().failure(new MinTtlUnreachableException(resource.name(), minTtl, s.token().lifetime()));
            }
            if (s.inFlight() != null) {
                return requireRemaining(s.inFlight(), minTtl, need);
            }
            if (s.coolingDown(now)) {
                return Uni.createFrom().failure(unavailable(s, now));
            }
            Uni<AccessToken> started = start(s, now, false);
            if (started != null) {
                return requireRemaining(started, minTtl, need);
            }
        }
    }

    /**
     * A token from a new IdP request, at most one such request per {@code force-interval}: within it, callers get
     * the token the last forced request brought. The backoff after a failure applies too.
     */
    public Uni<AccessToken> forceRefresh() {
        for (;;) {
            SlotState s = state.get();
            Instant now = clock.instant();
            if (s.inFlight() != null) {
                return s.inFlight();
            }
            if (s.lastForced() != null && now.isBefore(s.lastForced().plus(forceInterval))) {
                return token(Duration.ZERO);
            }
            if (s.coolingDown(now)) {
                return Uni.createFrom().failure(unavailable(s, now));
            }
            Uni<AccessToken> started = start(s, now, true);
            if (started != null) {
                return started;
            }
        }
    }

    /**
     * Starts a refresh when the token is due (past {@code refreshAt}, missing, or no longer servable) and no
     * request runs or waits out a backoff. Called by the sweeper and at start-up; never blocks.
     *
     * @return whether a request was started
     */
    public boolean refreshIfDue() {
        for (;;) {
            SlotState s = state.get();
            Instant now = clock.instant();
            if (s.inFlight() != null || s.coolingDown(now)) {
                return false;
            }
            if (s.servable(now, policy.minServeTtl()) && now.isBefore(s.refreshAt())) {
                return false;
            }
            Uni<AccessToken> started = start(s, now, false);
            if (started != null) {
                // The outcome is recorded in the state and logged by complete(): nothing more to do with it here.
                started.subscribe().with(token -> { }, failure -> { });
                return true;
            }
        }
    }

    /** A snapshot for {@code /v1/resources}, readiness and metrics. */
    public ResourceStatus status() {
        SlotState s = state.get();
        Instant now = clock.instant();
        boolean servable = s.servable(now, policy.minServeTtl());
        String word = s.inFlight() != null ? "refreshing" : s.lastFailure() != null ? "failing" : servable ? "fresh" : "empty";
        return new ResourceStatus(resource, word, servable, s.token() == null ? null : s.token().expiresAt(),
                s.lastRefresh(), s.lastFailure(), s.failures(), s.coolingDown(now) ? s.retryAt() : null);
    }

    /** Swaps in a new request if {@code s} is still current; {@code null} when another thread won the race. */
    private Uni<AccessToken> start(SlotState s, Instant now, boolean forced) {
        long number = s.attempt() + 1;
        Uni<AccessToken> request = request(number);
        // The request is lazy: a loser of this race discards it without any IdP call.
        return state.compareAndSet(s, s.started(number, request, forced ? now : null)) ? request : null;
    }

    private Uni<AccessToken> request(long number) {
        return Uni.createFrom().deferred(() -> {
            Instant started = clock.instant();
            return idp.acquire(resource).onItemOrFailure().transformToUni((token, failure) -> complete(number, started, token, failure));
        }).memoize().indefinitely();
    }

    private Uni<AccessToken> complete(long number, Instant started, AccessToken token, Throwable thrown) {
        Instant now = clock.instant();
        AcquireFailure failure = null;
        if (thrown != null) {
            failure = thrown instanceof IdpException e ? e.failure()
                    : new AcquireFailure.Unreachable("unexpected " + thrown.getClass().getSimpleName());
        } else if (!token.expiresAt().isAfter(now.plus(policy.minServeTtl()))) {
            // A token that is servable for no time at all would be refreshed again at once, forever.
            failure = new AcquireFailure.Malformed("the IdP's token lives " + token.lifetime().toSeconds()
                    + " s, not longer than min-serve-ttl (" + policy.minServeTtl().toSeconds() + " s)");
        }
        AcquireFailure outcome = failure;
        // The request leaves the state as it completes: memoize() would keep serving this outcome forever.
        SlotState after = state.updateAndGet(s -> s.attempt() != number ? s // a newer request owns the state
                : outcome == null ? s.succeeded(token, policy.refreshAt(token, random.getAsDouble()))
                : s.failed(outcome, now.plus(delay(s.failures() + 1, outcome))));
        listener.refreshed(resource, outcome == null ? token : null, outcome, Duration.between(started, now), after.retryAt());
        if (outcome == null) {
            return Uni.createFrom().item(token);
        }
        return Uni.createFrom().failure(new TokenUnavailableException(resource.name(), outcome, untilRetry(after, now)));
    }

    private Duration delay(int failures, AcquireFailure failure) {
        Duration computed = failure.retryable() ? backoff.delay(failures, random.getAsDouble()) : backoff.slowest();
        return Backoff.honouring(computed, failure.retryAfter());
    }

    private Uni<AccessToken> requireRemaining(Uni<AccessToken> request, Duration minTtl, Duration need) {
        if (need.equals(policy.minServeTtl())) {
            return request; // a successful request always brings a servable token: complete() checks it
        }
        return request.map(token -> {
            if (!token.validFor(clock.instant(), need)) {
                throw new MinTtlUnreachableException(resource.name(), minTtl, token.lifetime());
            }
            return token;
        });
    }

    private TokenUnavailableException unavailable(SlotState s, Instant now) {
        return new TokenUnavailableException(resource.name(), s.lastFailure(), untilRetry(s, now));
    }

    private static Duration untilRetry(SlotState s, Instant now) {
        if (s.retryAt() == null || !s.retryAt().isAfter(now)) {
            return Duration.ofSeconds(1);
        }
        Duration left = Duration.between(now, s.retryAt());
        long seconds = left.toSeconds() + (left.toNanosPart() > 0 ? 1 : 0);
        return Duration.ofSeconds(Math.max(1, seconds));
    }
}
