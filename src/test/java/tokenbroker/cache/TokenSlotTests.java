package tokenbroker.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.config.IdentitySpec;
import tokenbroker.config.ResourceSpec;
import tokenbroker.credential.Credential;
import tokenbroker.idp.AcquireFailure;
import tokenbroker.testing.FakeClock;
import tokenbroker.token.AccessToken;
import tokenbroker.token.Backoff;
import tokenbroker.token.RefreshPolicy;

/** The slot's timing and single flight, with a fake clock and an IdP the test completes by hand. No sleeps. */
class TokenSlotTests {

    static final Duration LIFETIME = Duration.ofSeconds(60);
    static final Duration MIN_SERVE = Duration.ofSeconds(10);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final FakeClock clock = new FakeClock(T0);
    final FakeIdentityProvider idp = new FakeIdentityProvider();
    final List<String> refreshLog = new ArrayList<>();
    TokenSlot slot;
    ExecutorService pool;

    @BeforeEach
    void setUp() {
        ResourceSpec resource = new ResourceSpec("graph", new IdentitySpec("app", "client", "http://idp/token", false,
                new Credential.ClientSecret(null, "s", false)), List.of("api/.default"), Map.of(), true);
        // random = 0.5 puts the refresh exactly at half-life and every backoff at the middle of its range
        slot = new TokenSlot(resource, idp, clock, new RefreshPolicy(MIN_SERVE, 0.10),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), Duration.ofSeconds(10), () -> 0.5,
                (r, token, failure, took, retryAt) -> refreshLog.add(failure == null ? "ok" : failure.kind()), Runnable::run);
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    AccessToken token(String value) {
        return new AccessToken(value, clock.instant(), clock.instant().plus(LIFETIME), null, null);
    }

    /** Fills the slot with a token obtained now. */
    AccessToken prime(String value) {
        assertThat(slot.refreshIfDue()).isTrue();
        AccessToken t = token(value);
        idp.succeed(t);
        assertThat(slot.servable()).isEqualTo(t);
        return t;
    }

    @Test
    void refreshIfDue_justBeforeRefreshAt_makesNoCall() {
        prime("a");
        clock.advance(LIFETIME.dividedBy(2).minusNanos(1));
        assertThat(slot.refreshIfDue()).isFalse();
        assertThat(idp.calls()).isEqualTo(1);
    }

    @Test
    void refreshIfDue_atRefreshAt_makesOneCall_andServesOldTokenMeanwhile() {
        AccessToken old = prime("a");
        clock.advance(LIFETIME.dividedBy(2));
        assertThat(slot.refreshIfDue()).isTrue();
        assertThat(slot.refreshIfDue()).isFalse(); // single flight
        assertThat(idp.calls()).isEqualTo(2);
        assertThat(slot.status().state()).isEqualTo("refreshing");
        assertThat(slot.servable()).isEqualTo(old);
        assertThat(slot.token(Duration.ZERO).await().indefinitely()).isEqualTo(old);

        AccessToken fresh = token("b");
        idp.succeed(fresh);
        assertThat(slot.servable()).isEqualTo(fresh);
        assertThat(slot.status().state()).isEqualTo("fresh");
    }

    @Test
    void token_hundredConcurrentFirstCallers_makeOneCall_andAllGetTheToken() throws Exception {
        pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<UniAssertSubscriber<AccessToken>> subscribers = new ArrayList<>();
        List<java.util.concurrent.Future<?>> started = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            UniAssertSubscriber<AccessToken> subscriber = UniAssertSubscriber.create();
            subscribers.add(subscriber);
            started.add(pool.submit(() -> {
                go.await();
                slot.token(Duration.ZERO).subscribe().withSubscriber(subscriber);
                return null;
            }));
        }
        go.countDown();
        for (var f : started) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertThat(idp.calls()).isEqualTo(1);
        AccessToken t = token("only");
        idp.succeed(t);
        for (UniAssertSubscriber<AccessToken> subscriber : subscribers) {
            subscriber.awaitItem(Duration.ofSeconds(5)).assertItem(t);
        }
        assertThat(idp.calls()).isEqualTo(1);
    }

    @Test
    void token_whenRefreshKeepsFailing_servesOldTokenUntilMinServeTtl_thenFails() {
        AccessToken old = prime("a");
        clock.advance(Duration.ofSeconds(30));
        List<Duration> attempts = new ArrayList<>();
        // Up to the last step before the cut-off (the clock only moves forward).
        for (int i = 0; i < 50 && clock.instant().isBefore(old.expiresAt().minus(MIN_SERVE).minusMillis(500)); i++) {
            if (slot.refreshIfDue()) {
                attempts.add(Duration.between(old.obtainedAt(), clock.instant()));
                idp.fail(new AcquireFailure.Unreachable("down"));
            }
            assertThat(slot.servable()).isEqualTo(old);
            clock.advance(Duration.ofMillis(500));
        }
        // Refreshed at half-life, then retried after each backoff (random 0.5: 1, 1.5, 2.5, 4.5, 8.5 s) while the
        // old token was still served: the broker kept trying, at the pace the backoff allows, and no faster.
        assertThat(attempts).containsExactly(Duration.ofMillis(30_000), Duration.ofMillis(31_000), Duration.ofMillis(32_500),
                Duration.ofMillis(35_000), Duration.ofMillis(39_500), Duration.ofMillis(48_000));
        // The hot path reads a millisecond clock and errs early: served until a millisecond before min-serve-ttl.
        clock.set(old.expiresAt().minus(MIN_SERVE).minusMillis(1));
        assertThat(slot.servable()).isEqualTo(old);
        clock.advance(Duration.ofMillis(1)); // exactly min-serve-ttl left: no longer served
        assertThat(slot.servable()).isNull();
        // Cooling down after the last failure: callers fail at once, with the time until the next try.
        assertThat(idp.open()).isZero();
        assertThat(slot.status().retryAt()).isAfter(clock.instant());
        var failure = slot.token(Duration.ZERO).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertFailedWith(TokenUnavailableException.class).getFailure();
        assertThat(((TokenUnavailableException) failure).retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(((TokenUnavailableException) failure).failure().retryable()).isTrue();
        assertThat(slot.status().state()).isEqualTo("failing");
    }

    @Test
    void token_whenEmptyAndIdpDown_failsRetryable_andBacksOff() {
        slot.refreshIfDue();
        idp.fail(new AcquireFailure.Unreachable("down"));
        // first failure, random 0.5: 1 s (the ceiling is still 1 s)
        var failed = slot.token(Duration.ZERO).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertFailedWith(TokenUnavailableException.class);
        assertThat(((TokenUnavailableException) failed.getFailure()).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(idp.calls()).isEqualTo(1);
        clock.advance(Duration.ofMillis(999));
        assertThat(slot.refreshIfDue()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(slot.refreshIfDue()).isTrue();
        idp.fail(new AcquireFailure.Unreachable("down"));
        // second failure: ceiling 2 s, random 0.5 → 1.5 s
        assertThat(slot.status().retryAt()).isEqualTo(clock.instant().plusMillis(1500));
    }

    @Test
    void refreshIfDue_afterRetryAfter30s_waitsThirtySeconds() {
        slot.refreshIfDue();
        idp.fail(new AcquireFailure.Unreachable("throttled", Duration.ofSeconds(30)));
        for (int s = 0; s < 30; s++) {
            assertThat(slot.refreshIfDue()).as("second %d", s).isFalse();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(slot.refreshIfDue()).isTrue();
        assertThat(idp.calls()).isEqualTo(2);
    }

    @Test
    void refreshIfDue_afterRejection_retriesAtSlowestPace_andKeepsTheToken() {
        AccessToken old = prime("a");
        clock.advance(Duration.ofSeconds(30));
        slot.refreshIfDue();
        idp.fail(new AcquireFailure.Rejected("invalid_client", "bad secret", null));
        assertThat(slot.servable()).isEqualTo(old);
        assertThat(slot.status().state()).isEqualTo("failing");
        assertThat(slot.status().retryAt()).isEqualTo(clock.instant().plusSeconds(60));
    }

    @Test
    void token_whenRejectedAndEmpty_failsNotRetryable() {
        slot.refreshIfDue();
        idp.fail(new AcquireFailure.Rejected("invalid_client", "bad secret", null));
        var failure = (TokenUnavailableException) slot.token(Duration.ZERO).subscribe()
                .withSubscriber(UniAssertSubscriber.create()).assertFailedWith(TokenUnavailableException.class).getFailure();
        assertThat(failure.failure().retryable()).isFalse();
        assertThat(failure.getMessage()).contains("invalid_client");
    }

    Take force(Duration minTtl) {
        return slot.take(minTtl, true);
    }

    @Test
    void take_force_isRateLimitedToOneCallPerInterval() {
        prime("a");
        Take forced = force(Duration.ZERO);
        assertThat(forced.kind()).isEqualTo(Take.Kind.STARTED);
        var subscriber = forced.pending().subscribe().withSubscriber(UniAssertSubscriber.create());
        assertThat(idp.calls()).isEqualTo(2);
        AccessToken b = token("b");
        idp.succeed(b);
        subscriber.assertItem(b);

        clock.advance(Duration.ofSeconds(9));
        Take within = force(Duration.ZERO);
        assertThat(within.kind()).isEqualTo(Take.Kind.CACHED);
        assertThat(within.cached()).isEqualTo(b);
        assertThat(idp.calls()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(1));
        assertThat(force(Duration.ZERO).kind()).isEqualTo(Take.Kind.STARTED);
        assertThat(idp.calls()).isEqualTo(3);
    }

    @Test
    void take_forceWithMinTtl_honoursMinTtl_inAndOutOfTheInterval() {
        prime("a");
        clock.advance(Duration.ofSeconds(30)); // 30 s left
        Take first = force(Duration.ofSeconds(50));
        assertThat(first.kind()).isEqualTo(Take.Kind.STARTED);
        var subscriber = first.pending().subscribe().withSubscriber(UniAssertSubscriber.create());
        // The IdP answers with a token that lives 40 s only: less than the caller asked for, so it is refused.
        idp.succeed(new AccessToken("short", clock.instant(), clock.instant().plusSeconds(40), null, null));
        subscriber.assertFailedWith(MinTtlUnreachableException.class);

        clock.advance(Duration.ofSeconds(5)); // inside force-interval: 35 s left
        assertThat(force(Duration.ofSeconds(20)).cached().value()).isEqualTo("short");
        Take throttled = force(Duration.ofSeconds(36));
        assertThat(throttled.kind()).isEqualTo(Take.Kind.REFUSED);
        var refusal = (RefreshThrottledException) throttled.pending().subscribe()
                .withSubscriber(UniAssertSubscriber.create()).assertFailedWith(RefreshThrottledException.class).getFailure();
        assertThat(refusal.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        assertThat(idp.calls()).isEqualTo(2);
    }

    /** Issue 10: a caller looping on min_ttl close to the lifetime starts at most one IdP request per force-interval. */
    @Test
    void take_thousandCallsWithMinTtlNearTheLifetime_startAtMostTwoRequestsInTenSeconds() {
        prime("a");
        int cached = 0;
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            Take take = slot.take(LIFETIME.minusSeconds(1), false);
            if (idp.open() > 0) {
                idp.succeed(token("t" + i));
            }
            if (take.kind() == Take.Kind.REFUSED) {
                refused++;
                take.pending().subscribe().withSubscriber(UniAssertSubscriber.create())
                        .assertFailedWith(RefreshThrottledException.class);
            } else {
                AccessToken got = take.asUni().await().indefinitely();
                assertThat(got.validFor(clock.instant(), LIFETIME.minusSeconds(1))).as("call %d", i).isTrue();
                cached++;
            }
            clock.advance(Duration.ofMillis(10));
        }
        assertThat(idp.calls() - 1).isBetween(1, 2);
        assertThat(cached).isPositive();
        assertThat(refused).isPositive();
    }

    @Test
    void take_withoutServableToken_isNotThrottled_byARecentDemand() {
        prime("a");
        clock.advance(Duration.ofSeconds(45));
        assertThat(force(Duration.ZERO).kind()).isEqualTo(Take.Kind.STARTED); // a demand, at 45 s
        idp.fail(new AcquireFailure.Unreachable("down"));
        clock.advance(Duration.ofSeconds(6)); // 9 s left: nothing servable, 6 s after the demand
        assertThat(slot.servable()).isNull();
        assertThat(slot.take(Duration.ZERO, false).kind()).isEqualTo(Take.Kind.STARTED);
        assertThat(idp.calls()).isEqualTo(3);
    }

    @Test
    void token_withMinTtlBeyondWhatIsLeft_refreshesFirst() {
        prime("a");
        clock.advance(Duration.ofSeconds(40)); // 20 s left
        var subscriber = slot.token(Duration.ofSeconds(30)).subscribe().withSubscriber(UniAssertSubscriber.create());
        assertThat(idp.calls()).isEqualTo(2);
        AccessToken b = token("b");
        idp.succeed(b);
        subscriber.assertItem(b);
    }

    @Test
    void token_withMinTtlBeyondTheLifetime_failsWithoutCall() {
        prime("a");
        slot.token(Duration.ofSeconds(61)).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertFailedWith(MinTtlUnreachableException.class);
        assertThat(idp.calls()).isEqualTo(1);
    }

    @Test
    void refresh_withLifetimeNotLongerThanMinServeTtl_isMalformed_andNeverServed() {
        slot.refreshIfDue();
        idp.succeed(new AccessToken("short", clock.instant(), clock.instant().plus(MIN_SERVE), null, null));
        assertThat(slot.servable()).isNull();
        assertThat(slot.status().lastFailure()).isInstanceOf(AcquireFailure.Malformed.class);
        assertThat(refreshLog).containsExactly("malformed");
    }

    @Test
    void status_walksThroughEmptyRefreshingFreshFailing() {
        assertThat(slot.status().state()).isEqualTo("empty");
        slot.refreshIfDue();
        assertThat(slot.status().state()).isEqualTo("refreshing");
        idp.succeed(token("a"));
        assertThat(slot.status().state()).isEqualTo("fresh");
        clock.advance(Duration.ofSeconds(30));
        slot.refreshIfDue();
        idp.fail(new AcquireFailure.Unreachable("down"));
        assertThat(slot.status().state()).isEqualTo("failing");
        assertThat(slot.status().servable()).isTrue();
        assertThat(refreshLog).containsExactly("ok", "unreachable");
    }

    @Test
    void token_afterRecovery_clearsFailureAndBackoff() {
        slot.refreshIfDue();
        idp.fail(new AcquireFailure.Unreachable("down"));
        clock.advance(Duration.ofSeconds(1));
        slot.refreshIfDue();
        idp.succeed(token("a"));
        assertThat(slot.status().failures()).isZero();
        assertThat(slot.status().lastFailure()).isNull();
        assertThat(slot.status().retryAt()).isNull();
        assertThatThrownBy(() -> idp.succeed(token("x"))).isInstanceOf(AssertionError.class); // nothing left open
    }
}
