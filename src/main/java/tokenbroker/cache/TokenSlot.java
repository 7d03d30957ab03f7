package tokenbroker.cache;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.Executor;
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
 * AccessToken t = slot.servable();                 // hot path: no allocation, no IdP
 * if (t == null) {
 *     Take take = slot.take(Duration.ZERO, false);  // CACHED, JOINED, STARTED or REFUSED
 *     take.asUni().subscribe().with(...);
 * }
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
    private final Executor idpExecutor;
    /** Changes only by compare-and-set in {@link #start} and by {@code updateAndGet} in {@link #complete}. */
    private final AtomicReference<SlotState> state = new AtomicReference<>(SlotState.EMPTY);

    public TokenSlot(ResourceSpec resource, IdentityProvider idp, InstantSource clock, RefreshPolicy policy, Backoff backoff,
            Duration forceInterval, DoubleSupplier random, RefreshListener listener, Executor idpExecutor) {
        this.resource = resource;
        this.idp = idp;
        this.clock = clock;
        this.policy = policy;
        this.backoff = backoff;
        this.forceInterval = forceInterval;
        this.random = random;
        this.listener = listener;
        this.idpExecutor = idpExecutor;
    }

    public ResourceSpec resource() {
        return resource;
    }

    /**
     * The cached token if it can be served now, else {@code null}. The hot path: one volatile read, one clock read,
     * no allocation (the clock's {@code millis()}, not an {@code Instant}), no IdP.
     */
    public AccessToken servable() {
        SlotState s = state.get();
        return clock.millis() <= s.servableUntilMillis() ? s.token() : null;
    }

    /**
     * Meets one caller's request: a token with at least {@code minTtl} left (never less than {@code min-serve-ttl}),
     * from a new IdP request when {@code force} asks for one. The rules, in order:
     * <ol>
     * <li>A cached token that satisfies the caller is served, unless {@code force} may start a request now.</li>
     * <li>A {@code minTtl} longer than the IdP's tokens live is refused: no request could meet it.</li>
     * <li>A running request is joined.</li>
     * <li>During a backoff after a failure, the caller is refused with the time left.</li>
     * <li>While a servable token exists, a request started for the caller is beyond the broker's own schedule: at
     *     most one per {@code force-interval} ({@link RefreshThrottledException} otherwise).</li>
     * <li>Otherwise (no token, or none servable: the broker's own schedule) a request starts.</li>
     * </ol>
     */
    public Take take(Duration minTtl, boolean force) {
        Duration need = minTtl.compareTo(policy.minServeTtl()) > 0 ? minTtl : policy.minServeTtl();
        for (;;) {
            SlotState s = state.get();
            Instant now = clock.instant();
            boolean servable = s.servable(now, policy.minServeTtl());
            boolean demandAllowed = !s.demandedWithin(now, forceInterval);
            if (s.servable(now, need) && !(force && demandAllowed)) {
                return Take.cached(s.token());
            }
            if (s.token() != null && need.compareTo(s.token().lifetime()) > 0) {
                // Even a brand-new token would fall short: refusing here keeps such callers off the IdP.
                return Take.refused(new MinTtlUnreachableException(resource.name(), minTtl, s.token().lifetime()));
            }
            if (s.inFlight() != null) {
                return new Take(Take.Kind.JOINED, null, requireRemaining(s.inFlight(), minTtl, need));
            }
            if (s.coolingDown(now)) {
                return Take.refused(unavailable(s, now));
            }
            if (servable && !demandAllowed) {
                Duration wait = roundUp(Duration.between(now, s.lastDemand().plus(forceInterval)));
                return Take.refused(new RefreshThrottledException(resource.name(),
                        Duration.between(now, s.token().expiresAt()), wait));
            }
            Uni<AccessToken> started = start(s, now, servable);
            if (started != null) {
                return new Take(Take.Kind.STARTED, null, requireRemaining(started, minTtl, need));
            }
        }
    }

    /** {@link #take} as one {@code Uni}, for callers that need not know how it was met. */
    public Uni<AccessToken> token(Duration minTtl) {
        return take(minTtl, false).asUni();
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
            if (start(s, now, false) != null) {
                return true;
            }
        }
    }

    /**
     * Stops serving {@code stale} (when it is still the cached token) and refreshes at once, backoff permitting: for a
     * token bound to a certificate that has since been rotated, which no upstream would accept any more.
     */
    public void drop(AccessToken stale) {
        SlotState s = state.get();
        if (s.token() == stale && state.compareAndSet(s, s.dropped())) {
            refreshIfDue();
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

    /**
     * Swaps in a new request if {@code s} is still current and starts it; {@code null} when another thread won the
     * race. The winner subscribes at once, so that the request runs (and leaves the state) even if the caller that
     * won never subscribes; callers subscribe to the same memoized outcome.
     */
    private Uni<AccessToken> start(SlotState s, Instant now, boolean demand) {
        long number = s.attempt() + 1;
        Uni<AccessToken> request = request(number);
        // The request is lazy until subscribed below: a loser of this race discards it without any IdP call.
        if (!state.compareAndSet(s, s.started(number, request, demand ? now : null))) {
            return null;
        }
        // The outcome is recorded in the state by complete(): the subscriber needs to do nothing with it.
        request.subscribe().with(token -> { }, failure -> { });
        return request;
    }

    /**
     * One IdP request, run on {@code idpExecutor}: reading credential files and signing assertions never happen on
     * the thread that started it (a caller's event-loop thread). Whatever {@code acquire} does (throws, returns
     * {@code null}, emits {@code null}), the outcome goes through {@link #complete}, which takes the request out of
     * the state.
     */
    private Uni<AccessToken> request(long number) {
        return Uni.createFrom().deferred(() -> {
                    Instant started = clock.instant();
                    return call().onItemOrFailure().transformToUni((token, failure) -> complete(number, started, token, failure));
                })
                .runSubscriptionOn(idpExecutor)
                .memoize().indefinitely();
    }

    /** {@code idp.acquire}, with a synchronous throw or a {@code null} turned into an outcome {@link #complete} sorts. */
    private Uni<AccessToken> call() {
        try {
            Uni<AccessToken> call = idp.acquire(resource);
            return call != null ? call : Uni.createFrom().nullItem();
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
    }

    private Uni<AccessToken> complete(long number, Instant started, AccessToken token, Throwable thrown) {
        Instant now = clock.instant();
        AcquireFailure failure = null;
        Instant refreshAt = null;
        if (thrown != null) {
            failure = thrown instanceof IdpException e ? e.failure()
                    : new AcquireFailure.Unreachable("unexpected " + thrown.getClass().getSimpleName());
        } else if (token == null) {
            // An adapter fault, not the IdP's answer: retried with the ordinary backoff.
            failure = new AcquireFailure.Unreachable("the identity provider adapter gave no token");
        } else if (!token.expiresAt().isAfter(now.plus(policy.minServeTtl()))) {
            // A token that is servable for no time at all would be refreshed again at once, forever.
            failure = new AcquireFailure.Malformed("the IdP's token lives " + token.lifetime().toSeconds()
                    + " s, not longer than min-serve-ttl (" + policy.minServeTtl().toSeconds() + " s)");
        } else {
            try {
                refreshAt = policy.refreshAt(token, random.getAsDouble());
            } catch (RuntimeException e) {
                failure = new AcquireFailure.Malformed("cannot schedule the refresh of the IdP's token ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        AcquireFailure outcome = failure;
        Instant nextRefresh = refreshAt;
        Instant nextTry = outcome == null ? null : now.plus(delay(state.get().failures() + 1, outcome));
        // The request leaves the state as it completes: memoize() would keep serving this outcome forever.
        SlotState after = state.updateAndGet(s -> s.attempt() != number ? s // a newer request owns the state
                : outcome == null ? s.succeeded(token, nextRefresh, policy.minServeTtl())
                : s.failed(outcome, nextTry));
        notifyListener(outcome == null ? token : null, outcome, Duration.between(started == null ? now : started, now),
                after.retryAt());
        if (outcome == null) {
            return Uni.createFrom().item(token);
        }
        return Uni.createFrom().failure(
                new TokenUnavailableException(resource.name(), resource.identity().name(), outcome, untilRetry(after, now)));
    }

    private void notifyListener(AccessToken token, AcquireFailure failure, Duration took, Instant retryAt) {
        try {
            listener.refreshed(resource, token, failure, took, retryAt);
        } catch (RuntimeException e) {
            // A listener (log line, metrics, token files) must not decide what callers get: the state is already set.
            Log.warnf("cache: a refresh listener failed for resource %s (%s)", resource.name(), e.getClass().getName());
        }
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
        return new TokenUnavailableException(resource.name(), resource.identity().name(), s.lastFailure(), untilRetry(s, now));
    }

    private static Duration untilRetry(SlotState s, Instant now) {
        if (s.retryAt() == null || !s.retryAt().isAfter(now)) {
            return Duration.ofSeconds(1);
        }
        return roundUp(Duration.between(now, s.retryAt()));
    }

    /** Whole seconds, rounded up, at least one: what a {@code Retry-After} can say. */
    private static Duration roundUp(Duration left) {
        long seconds = left.toSeconds() + (left.toNanosPart() > 0 ? 1 : 0);
        return Duration.ofSeconds(Math.max(1, seconds));
    }
}
