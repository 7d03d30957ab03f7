package tokenbroker.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.testing.IdpStubs.forScope;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tokenbroker.cache.TokenSlot;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;

/**
 * SPEC §4 against a misbehaving IdP, on the fake clock: slow answers, broken connections, 5xx and 429 bursts,
 * malformed JSON, absurd lifetimes. Each test gives its resource a good token, lets the IdP misbehave from the
 * refresh point on, walks fake time ({@link FakeTimeWalk}: the cached token is served while it has 10 s left,
 * never after; errors only then; the gaps between IdP requests follow the backoff), and then checks that the
 * broker recovers by itself once the IdP is good again: a tick after the backoff brings a fresh token.
 */
@QuarkusTest
@WithTestResource(value = FaultyIdp.class, initArgs = @ResourceArg(name = FaultyIdp.SETUP, value = FaultyIdp.FAULTS))
class IdpFaultsTest extends OnFakeTime {

    private static final Duration LIFETIME = Duration.ofSeconds(120);
    private static final Duration STEP = Duration.ofMillis(250);





    @Test
    void refresh_whenIdpAnswersAfterTheDeadline_isUnreachable_cachedTokenServed_recoversAlone() {
        String resource = "fault-slow";
        Duration lifetime = Duration.ofSeconds(60); // each attempt costs the 2 s deadline in real time
        Instant obtained = firstToken(resource, lifetime);
        String cached = Broker.accessToken(resource);
        stub(resource, IdpStubs.token("late", 3600).withFixedDelay(3500));

        FakeTimeWalk walk = walker(resource, cached, obtained.plus(lifetime))
                .walk(justBeforeTheWindow(obtained, lifetime), obtained.plus(lifetime).plusSeconds(3), Duration.ofMillis(500), 503);
        assertThat(walk.attempts.get(0).at()).as("the first refresh, at half the lifetime ±10%")
                .isBetween(obtained.plusSeconds(27), obtained.plusSeconds(33).plusMillis(500));
        walk.assertBackedOff(Duration.ofMillis(500), null, false);
        assertThat(walk.maxWireRequestsPerAttempt()).isEqualTo(1);
        assertThat(walk.served).allMatch(cached::equals); // never the late answer
        assertThat(walk.errors).as("errors once the cached token ran out").isPositive();
        assertThat((String) walk.entry().get("last_error")).contains("no answer").contains("within 2 s");

        recovers(resource, walk);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource({ "fault-reset, CONNECTION_RESET_BY_PEER", "fault-empty, EMPTY_RESPONSE", "fault-random, RANDOM_DATA_THEN_CLOSE" })
    void refresh_whenTheConnectionBreaks_isUnreachable_cachedTokenServed_recoversAlone(String resource, Fault fault) {
        Instant obtained = firstToken(resource, LIFETIME);
        String cached = Broker.accessToken(resource);
        stub(resource, WireMock.aResponse().withFault(fault));

        FakeTimeWalk walk = walker(resource, cached, obtained.plus(LIFETIME))
                .walk(justBeforeTheWindow(obtained, LIFETIME), obtained.plus(LIFETIME).plusSeconds(10), STEP, 503);
        assertFirstRefreshOnTime(walk, obtained);
        walk.assertBackedOff(STEP, null, false);
        // quarkus-oidc-client retries a reset connection once, at once (connection-retry-count=1): never more.
        assertThat(walk.maxWireRequestsPerAttempt()).isBetween(1, 2);
        assertThat(walk.served).allMatch(cached::equals);
        assertThat(walk.errors).isPositive();
        assertThat(walk.entry()).containsEntry("state", "failing");

        recovers(resource, walk);
    }

    @Test
    void refresh_during5xxBurst_backsOffThenRecovers_callersSeeNothing() {
        String resource = "fault-5xx";
        Instant obtained = firstToken(resource, LIFETIME);
        String cached = Broker.accessToken(resource);
        burst(resource, List.of(IdpStubs.oauthError(500, "server_error", "burst"), IdpStubs.oauthError(502, "bad_gateway", "burst"),
                IdpStubs.oauthError(503, "temporarily_unavailable", "burst"), IdpStubs.json(504, "<html>gateway timeout</html>")),
                IdpStubs.token("after-5xx", 3600));

        FakeTimeWalk walk = walker(resource, cached, obtained.plus(LIFETIME))
                .walk(justBeforeTheWindow(obtained, LIFETIME), obtained.plus(LIFETIME), STEP, 503);
        assertFirstRefreshOnTime(walk, obtained);
        assertThat(walk.attempts).as("four failures, one success, then nothing").hasSize(5);
        walk.assertBackedOff(STEP, null, false);
        // After four failures the backoff is at most 8 s: the new token comes long before the old one runs out.
        assertThat(walk.errors).as("errors seen by callers").isZero();
        assertThat(walk.served.get(walk.served.size() - 1)).startsWith("after-5xx-");
        assertThat(walk.entry()).containsEntry("state", "fresh").containsEntry("last_error", null);
    }

    @Test
    void refresh_during429Burst_honoursRetryAfter_thenRecovers() {
        String resource = "fault-429";
        Instant obtained = firstToken(resource, LIFETIME);
        String cached = Broker.accessToken(resource);
        ResponseDefinitionBuilder throttled = IdpStubs.oauthError(429, "slow_down", "too many requests")
                .withHeader("Retry-After", "7");
        burst(resource, List.of(throttled, throttled, throttled, throttled), IdpStubs.token("after-429", 3600));

        FakeTimeWalk walk = walker(resource, cached, obtained.plus(LIFETIME))
                .walk(justBeforeTheWindow(obtained, LIFETIME), obtained.plus(LIFETIME), STEP, 503);
        assertFirstRefreshOnTime(walk, obtained);
        assertThat(walk.attempts).hasSize(5);
        walk.assertBackedOff(STEP, Duration.ofSeconds(7), false);
        assertThat(walk.errors).isZero();
        assertThat(walk.served.get(walk.served.size() - 1)).startsWith("after-429-");
        assertThat(walk.entry()).containsEntry("state", "fresh");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // cut short: not JSON
            "fault-json    | {\"access_token\":\"broken-aaaa\",\"token_type\":\"Bearer\",\"expires_in\":36 | not a valid token",
            "life-zero     | {\"access_token\":\"zero-aaaa\",\"token_type\":\"Bearer\",\"expires_in\":0}    | already expired",
            "life-negative | {\"access_token\":\"negative-aaaa\",\"token_type\":\"Bearer\",\"expires_in\":-30} | already expired",
            "life-overflow | {\"access_token\":\"overflow-aaaa\",\"token_type\":\"Bearer\",\"expires_in\":99999999999999999999} | expires_in is not a number" })
    void refresh_whenTheAnswerIsUnusable_isMalformed_retriedAtTheSlowestPace_cachedTokenServed(String resource, String body,
            String described) {
        Instant obtained = firstToken(resource, LIFETIME);
        String cached = Broker.accessToken(resource);
        stub(resource, IdpStubs.json(200, body));

        FakeTimeWalk walk = walker(resource, cached, obtained.plus(LIFETIME))
                .walk(justBeforeTheWindow(obtained, LIFETIME), obtained.plus(LIFETIME).plusSeconds(10), STEP, 502);
        assertFirstRefreshOnTime(walk, obtained);
        assertThat(walk.attempts).as("one request, then one a minute later").hasSize(2);
        walk.assertBackedOff(STEP, null, true);
        assertThat(walk.served).allMatch(cached::equals);
        assertThat(walk.errors).as("502 once the cached token ran out").isPositive();
        String lastError = (String) walk.entry().get("last_error");
        System.out.printf("IdpFaultsTest: %s: last_error \"%s\"%n", resource, lastError);
        assertThat(lastError).contains(described).doesNotContain("aaaa");

        recovers(resource, walk);
    }

    @Test
    void refresh_whenTheIdpGrantsTenYears_orLongMax_servesWithoutOverflow_andRefreshesAtHalfLife() {
        String resource = "life-decade";
        Instant obtained = firstToken(resource, LIFETIME);
        long decade = 10L * 365 * 86_400;
        stub(resource, IdpStubs.token("decade", decade));
        Instant refreshed = obtained.plus(LIFETIME.multipliedBy(7).dividedBy(10));
        clock.set(refreshed);
        // This slot's share of a sweep only: a whole sweep years ahead would push every other slot's backoff there.
        TokenSlot slot = cache.slot(resource);
        assertThat(slot.refreshIfDue()).isTrue();
        Broker.awaitIdle(resource);
        Response answer = Broker.token(resource);
        assertThat(answer.jsonPath().getString("access_token")).startsWith("decade-");
        assertThat(answer.jsonPath().getLong("expires_in")).isEqualTo(decade);
        assertThat(answer.jsonPath().getLong("expires_on")).isEqualTo(refreshed.getEpochSecond() + decade);

        int requests = IdpStubs.count(idp, IdpStubs.BOOT_503 + resource);
        clock.set(refreshed.plus(Duration.ofDays(365L * 4)));
        assertThat(slot.refreshIfDue()).isFalse();
        assertThat(IdpStubs.count(idp, IdpStubs.BOOT_503 + resource)).as("no refresh 4 years in").isEqualTo(requests);

        stub(resource, IdpStubs.json(200, "{\"access_token\":\"longmax-aaaa\",\"token_type\":\"Bearer\",\"expires_in\":"
                + Long.MAX_VALUE + "}"));
        Instant later = refreshed.plus(Duration.ofDays(365L * 6)); // past 5.5 years, the latest jittered half-life
        clock.set(later);
        assertThat(slot.refreshIfDue()).isTrue();
        Broker.awaitIdle(resource);
        assertThat(IdpStubs.count(idp, IdpStubs.BOOT_503 + resource)).isEqualTo(requests + 1);
        answer = Broker.token(resource);
        answer.then().statusCode(200);
        assertThat(answer.jsonPath().getString("access_token")).isEqualTo("longmax-aaaa");
        // Capped (TokenResponses: ten years of 366 days): no overflow into a negative or past expiry.
        assertThat(answer.jsonPath().getLong("expires_in")).isEqualTo(10L * 366 * 86_400);
        assertThat(answer.jsonPath().getLong("expires_on")).isGreaterThan(later.getEpochSecond());
        assertThat(Broker.state(resource)).isEqualTo("fresh");
    }

    /** The IdP is good again: the first tick after the backoff brings a fresh token, without a caller asking. */
    private void recovers(String resource, FakeTimeWalk walk) {
        walk.awaitIdle();
        stub(resource, IdpStubs.token("recovered", 3600));
        int before = IdpStubs.count(idp, IdpStubs.BOOT_503 + resource);
        Instant allowed = Broker.pastBackoff(resource, clock);
        sweep(resource);
        walk.awaitIdle();
        assertThat(IdpStubs.count(idp, IdpStubs.BOOT_503 + resource)).isEqualTo(before + 1);
        assertThat(walk.entry()).containsEntry("state", "fresh").containsEntry("last_error", null)
                .hasEntrySatisfying("expires_on", on -> assertThat(((Number) on).longValue())
                        .isEqualTo(allowed.plusSeconds(3600).getEpochSecond()));
        Response answer = Broker.token(resource);
        assertThat(answer.jsonPath().getString("access_token")).startsWith("recovered-");
        assertThat(answer.jsonPath().getLong("expires_in")).isEqualTo(3600);
    }

    /**
     * A millisecond before the first refresh may fall due (half the lifetime less 10 %): a refresh due any earlier
     * shows at this first visit already (a due slot stays due), which {@link #assertFirstRefreshOnTime} refuses.
     */
    private static Instant justBeforeTheWindow(Instant obtained, Duration lifetime) {
        return obtained.plus(lifetime.multipliedBy(45).dividedBy(100)).minusMillis(1);
    }

    private static void assertFirstRefreshOnTime(FakeTimeWalk walk, Instant obtained) {
        assertThat(walk.attempts).isNotEmpty();
        assertThat(walk.attempts.get(0).at()).as("the first refresh, at half the lifetime ±10%")
                .isBetween(obtained.plus(LIFETIME.multipliedBy(45).dividedBy(100)),
                        obtained.plus(LIFETIME.multipliedBy(55).dividedBy(100)).plus(STEP));
    }

    /** Gives an empty resource its first token, at the current fake instant, which it returns. */
    private Instant firstToken(String resource, Duration lifetime) {
        Broker.awaitIdle(resource);
        stub(resource, IdpStubs.token(resource, lifetime.toSeconds()));
        Instant now = Broker.pastBackoff(resource, clock); // the start-up request failed (boot 503)
        Response first = Broker.token(resource);
        first.then().statusCode(200);
        assertThat(first.jsonPath().getLong("expires_in")).isEqualTo(lifetime.toSeconds());
        return now;
    }

    /** The IdP gives {@code failures} in turn, one per request, then {@code then} for good (a WireMock scenario). */
    private void burst(String resource, List<ResponseDefinitionBuilder> failures, ResponseDefinitionBuilder then) {
        String scope = IdpStubs.BOOT_503 + resource;
        String scenario = "burst-" + resource;
        for (int i = 0; i < failures.size(); i++) {
            idp.stubFor(forScope(scope).inScenario(scenario).whenScenarioStateIs(i == 0 ? Scenario.STARTED : "failed-" + i)
                    .willSetStateTo("failed-" + (i + 1)).willReturn(failures.get(i)));
        }
        idp.stubFor(forScope(scope).inScenario(scenario).whenScenarioStateIs("failed-" + failures.size()).willReturn(then));
    }

    private void stub(String resource, ResponseDefinitionBuilder answer) {
        idp.stubFor(forScope(IdpStubs.BOOT_503 + resource).willReturn(answer));
    }

    private FakeTimeWalk walker(String resource, String held, Instant heldUntil) {
        return new FakeTimeWalk(idp, cache, clock, resource, held, heldUntil);
    }
}
