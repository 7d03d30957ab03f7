package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.testing.IdpStubs.count;
import static tokenbroker.testing.IdpStubs.forScope;

import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.ApiBrokerTest;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.IdpStubs;

/**
 * SPEC §4 proactive refresh, on the fake clock: the sweeper refreshes at half the lifetime ±10%, callers keep
 * getting the old token while the refresh runs or fails, and never a token with less than 10 s left.
 */
@ApiBrokerTest
class ProactiveRefreshTest extends OnFakeTime {

    /** The lifetime of every token in these tests. */
    private static final Duration LIFETIME = Duration.ofSeconds(1000);




    @Test
    void tick_beforeRefreshWindow_noIdpCall_afterIt_oneCall() {
        String resource = "refresh-window";
        String scope = IdpStubs.BOOT_503 + resource;
        Instant obtained = firstToken(resource, scope);
        String first = Broker.accessToken(resource);

        clock.set(obtained.plus(LIFETIME.multipliedBy(45).dividedBy(100)).minusMillis(1));
        sweep(resource);
        sweep(resource);
        // A tick marks a started refresh at once ("refreshing"); a finished one would have changed the token.
        assertThat(Broker.state(resource)).isEqualTo("fresh");
        assertThat(Broker.accessToken(resource)).isEqualTo(first);
        assertThat(count(idp, scope)).isEqualTo(1);

        clock.set(obtained.plus(LIFETIME.multipliedBy(55).dividedBy(100)));
        sweep(resource);
        String second = awaitNewToken(resource, first);
        sweep(resource); // the new token is not due: no second refresh
        assertThat(Broker.state(resource)).isEqualTo("fresh");
        assertThat(Broker.accessToken(resource)).isEqualTo(second);
        assertThat(count(idp, scope)).isEqualTo(2);
        assertThat(Broker.token(resource).jsonPath().getLong("expires_in")).isEqualTo(LIFETIME.toSeconds());
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void token_whileRefreshRuns_servesTheOldTokenAtOnce() {
        String resource = "refresh-stale";
        String scope = IdpStubs.BOOT_503 + resource;
        Instant obtained = firstToken(resource, scope);
        String old = Broker.accessToken(resource);
        idp.stubFor(forScope(scope).willReturn(IdpStubs.token("late", LIFETIME.toSeconds()).withFixedDelay(4000)));

        clock.set(obtained.plus(LIFETIME.multipliedBy(6).dividedBy(10)));
        sweep(resource);
        assertThat(Broker.state(resource)).isEqualTo("refreshing");
        long started = System.nanoTime();
        Response during = Broker.token(resource);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        during.then().statusCode(200);
        assertThat(during.jsonPath().getString("access_token")).isEqualTo(old);
        // The caller did not wait for the IdP: it answers after 4 s, and the refresh is still running.
        assertThat(Broker.state(resource)).isEqualTo("refreshing");
        assertThat(took).isLessThan(Duration.ofMillis(2500));

        // A caller that needs more than the old token has left joins the running request.
        Response joined = Broker.api().queryParam("min_ttl", 500).get("/v1/tokens/{r}", resource);
        joined.then().statusCode(200);
        assertThat(joined.jsonPath().getString("access_token")).startsWith("late-");
        assertThat(count(idp, scope)).isEqualTo(2);
    }

    @Test
    void token_whileRefreshKeepsFailing_servesOldTokenUntil10sBeforeExpiry_then503() {
        String resource = "refresh-outage";
        String scope = IdpStubs.BOOT_503 + resource;
        Instant obtained = firstToken(resource, scope);
        Instant expires = obtained.plus(LIFETIME);
        String old = Broker.accessToken(resource);
        idp.stubFor(forScope(scope).willReturn(IdpStubs.oauthError(503, "temporarily_unavailable", "the IdP is down")));

        clock.set(obtained.plus(LIFETIME.multipliedBy(6).dividedBy(10)));
        // The hot path reads a millisecond clock and errs early by up to a millisecond (docs/design.md):
        Instant lastServed = expires.minusSeconds(10).minusMillis(1); // 10 s and 1 ms left
        int ticks = 0;
        while (clock.instant().isBefore(lastServed)) {
            sweep(resource);
            ticks++;
            Broker.awaitIdle(resource); // let a failure land before moving on
            assertThat(Broker.accessToken(resource)).as("at %s", clock.instant()).isEqualTo(old);
            Instant next = clock.instant().plusSeconds(7);
            clock.set(next.isBefore(lastServed) ? next : lastServed);
        }
        int failed = count(idp, scope) - 1;
        // Retried again and again, but backing off (1 s to 60 s with full jitter): not on every 7 s tick.
        assertThat(failed).as("failed refreshes in %d ticks", ticks).isGreaterThanOrEqualTo(4).isLessThan(ticks);
        Map<String, Object> failing = Broker.resource(resource);
        assertThat(failing).containsEntry("state", "failing");
        assertThat((String) failing.get("last_error")).contains("503");

        assertThat(clock.instant()).isEqualTo(lastServed); // still served
        assertThat(Broker.accessToken(resource)).isEqualTo(old);
        clock.set(expires.minusSeconds(10)); // exactly 10 s left: no longer
        Response refused = Broker.token(resource);
        HttpContractTest.assertError(refused, 503, "temporarily_unavailable").contains("503").contains(resource);
        assertThat(refused.getHeader("Retry-After")).matches("[1-9][0-9]*");
        assertThat(refused.asString()).doesNotContain(old);
    }

    /**
     * Gives an empty resource its first token: the start-up request failed, so the first caller makes the IdP
     * request, at a known instant of the fake clock (after the start-up request's backoff).
     *
     * @return when the token was obtained; it expires {@link #LIFETIME} later
     */
    private Instant firstToken(String resource, String scope) {
        assertThat(Broker.awaitIdle(resource)).containsEntry("state", "failing");
        idp.stubFor(forScope(scope).willReturn(IdpStubs.token(resource, LIFETIME.toSeconds())));
        idp.resetRequests();
        Instant now = Broker.pastBackoff(resource, clock);
        Response first = Broker.token(resource);
        first.then().statusCode(200);
        assertThat(first.jsonPath().getLong("expires_in")).isEqualTo(LIFETIME.toSeconds());
        assertThat(count(idp, scope)).isEqualTo(1);
        return now;
    }

    private static String awaitNewToken(String resource, String old) {
        return Eventually.until("a new token for " + resource, Duration.ofSeconds(10), () -> {
            String current = Broker.accessToken(resource);
            return current.equals(old) ? null : current;
        });
    }
}
