package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.api.HttpContractTest.assertError;
import static tokenbroker.testing.IdpStubs.count;
import static tokenbroker.testing.IdpStubs.forScope;

import io.restassured.response.Response;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.ApiBrokerTest;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;

/** SPEC §4: the IdP's {@code Retry-After} is honoured; no request reaches a throttling IdP before it allows. */
@ApiBrokerTest
class ThrottlingTest extends OnFakeTime {

    private static final String RESOURCE = "throttled";
    private static final String SCOPE = IdpStubs.BOOT_503 + RESOURCE;




    @Test
    void tick_after429WithRetryAfter30_noIdpRequestFor30Seconds() {
        // A first token resets the failure count, so the backoff starts from its first, 1 s step.
        Broker.awaitIdle(RESOURCE);
        idp.stubFor(forScope(SCOPE).willReturn(IdpStubs.token("first", 40)));
        idp.resetRequests();
        Instant obtained = Broker.pastBackoff(RESOURCE, clock);
        String first = Broker.accessToken(RESOURCE);
        Instant unservable = obtained.plusSeconds(40 - 10);

        // Refresh due at 20 s ±10%; the IdP throttles it.
        idp.stubFor(forScope(SCOPE).willReturn(IdpStubs.oauthError(429, "slow_down", "too many requests")
                .withHeader("Retry-After", "30")));
        Instant throttled = obtained.plusSeconds(22);
        clock.set(throttled);
        sweep(RESOURCE);
        Broker.awaitIdle(RESOURCE);
        assertThat(count(idp, SCOPE)).isEqualTo(2);
        Map<String, Object> entry = Broker.resource(RESOURCE);
        assertThat(entry).containsEntry("state", "failing");
        assertThat(((Number) entry.get("next_retry")).longValue()).isEqualTo(throttled.plusSeconds(30).getEpochSecond());

        idp.stubFor(forScope(SCOPE).willReturn(IdpStubs.token("after-throttle", 3600)));
        for (int second = 1; second < 30; second += 4) {
            clock.set(throttled.plusSeconds(second));
            sweep(RESOURCE);
            Response answer = Broker.token(RESOURCE);
            if (!clock.instant().isAfter(unservable)) {
                answer.then().statusCode(200);
                assertThat(answer.jsonPath().getString("access_token")).isEqualTo(first);
            } else {
                assertError(answer, 503, "temporarily_unavailable").contains("429");
                assertThat(answer.getHeader("Retry-After")).isEqualTo(Integer.toString(30 - second));
            }
        }
        clock.set(throttled.plusSeconds(30).minusMillis(1));
        sweep(RESOURCE);
        assertThat(Broker.state(RESOURCE)).isEqualTo("failing");
        assertThat(count(idp, SCOPE)).as("requests while throttled").isEqualTo(2);

        clock.set(throttled.plusSeconds(30));
        sweep(RESOURCE);
        Broker.awaitIdle(RESOURCE);
        assertThat(count(idp, SCOPE)).isEqualTo(3);
        assertThat(Broker.accessToken(RESOURCE)).startsWith("after-throttle-");
    }
}
