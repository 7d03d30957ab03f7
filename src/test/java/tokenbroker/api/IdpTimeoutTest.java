package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.testing.IdpStubs.count;
import static tokenbroker.testing.IdpStubs.forScope;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.WireMockIdp;

/**
 * SPEC §4: every IdP request has a deadline ({@code broker.idp.timeout}, 2 s in this setup). quarkus-oidc-client
 * has none of its own (TRAPS.md), so an IdP that accepts the connection and never answers must not hang a refresh.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.FAILING_IDP))
class IdpTimeoutTest extends OnFakeTime {

    private static final String RESOURCE = "hanging";
    private static final String SCOPE = "hanging.read";




    @Test
    void refresh_whenIdpNeverAnswers_failsAtTheDeadline_whileTheCachedTokenIsServedAtOnce() {
        // A token to hold: the start-up one, or a new one if the start-up request failed.
        Broker.pastBackoff(RESOURCE, clock);
        String cached = Broker.accessToken(RESOURCE);
        Map<String, Object> before = Broker.resource(RESOURCE);
        idp.stubFor(forScope(SCOPE).willReturn(IdpStubs.token("never", 3600).withFixedDelay(30_000)));
        idp.resetRequests();
        // Well past the refresh point, with 60 s of the cached token left.
        clock.set(Instant.ofEpochSecond(((Number) before.get("expires_on")).longValue()).minusSeconds(60));

        long started = System.nanoTime();
        sweep(RESOURCE);
        assertThat(Broker.state(RESOURCE)).isEqualTo("refreshing");
        assertServedAtOnce(cached);
        // Served while the request was still running: the caller did not wait for the IdP, nor for the deadline.
        assertThat(Broker.state(RESOURCE)).isEqualTo("refreshing");
        IdpStubs.awaitRequests(idp, SCOPE, 1); // the IdP has the request and sits on it

        Map<String, Object> failed = Eventually.until("the IdP deadline", Duration.ofSeconds(15), () -> {
            Map<String, Object> entry = Broker.resource(RESOURCE);
            return "failing".equals(entry.get("state")) ? entry : null;
        });
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("real time to the deadline").isBetween(Duration.ofMillis(1900), Duration.ofSeconds(8));
        assertThat((String) failed.get("last_error")).contains("no answer").contains("within 2 s");
        assertServedAtOnce(cached);
        assertThat(count(idp, SCOPE)).isEqualTo(1);
    }

    private static void assertServedAtOnce(String cached) {
        long started = System.nanoTime();
        Response answer = Broker.token(RESOURCE);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        answer.then().statusCode(200);
        assertThat(answer.jsonPath().getString("access_token")).isEqualTo(cached);
        assertThat(took).isLessThan(Duration.ofMillis(1500));
    }
}
