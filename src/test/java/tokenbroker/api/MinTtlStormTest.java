package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.testing.IdpStubs.count;
import static tokenbroker.testing.IdpStubs.forScope;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.Broker;
import tokenbroker.testing.FakeClock;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.InjectWireMock;
import tokenbroker.testing.WireMockIdp;

/**
 * Issue 10: no caller can make the broker hammer the IdP. A caller looping on {@code min_ttl} just under the token's
 * lifetime (each fresh token satisfies it for a second) starts at most one IdP request per {@code force-interval}
 * (10 s); meanwhile it gets the token when it still has what it asked for, else 503 with {@code Retry-After}, never a
 * token with less than it asked for.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.API))
class MinTtlStormTest {

    private static final String RESOURCE = "min-ttl-storm";
    private static final String SCOPE = IdpStubs.BOOT_503 + RESOURCE;
    private static final int LIFETIME = 60;

    @InjectWireMock
    WireMockServer idp;

    private FakeClock clock;

    @BeforeEach
    void installClock() {
        clock = FakeClock.ofNow();
        QuarkusMock.installMockForType(clock, InstantSource.class);
    }

    @Test
    void thousandRequestsWithMinTtlOfLifetimeLessOne_overTenSeconds_atMostTwoIdpRequests() {
        idp.stubFor(forScope(SCOPE).willReturn(IdpStubs.token("storm", LIFETIME)));
        Broker.pastBackoff(RESOURCE, clock);
        Broker.accessToken(RESOURCE); // the first token: the broker's own, not the storm's
        idp.resetRequests();
        int served = 0;
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            Response answer = Broker.api().queryParam("min_ttl", LIFETIME - 1).get("/v1/tokens/{r}", RESOURCE);
            if (answer.statusCode() == 200) {
                assertThat(answer.jsonPath().getInt("expires_in")).as("request %d", i).isGreaterThanOrEqualTo(LIFETIME - 1);
                served++;
            } else {
                assertThat(answer.statusCode()).as("request %d: %s", i, answer.asString()).isEqualTo(503);
                assertThat(answer.jsonPath().getString("error")).isEqualTo("temporarily_unavailable");
                assertThat(Integer.parseInt(answer.getHeader("Retry-After"))).isBetween(1, 10);
                refused++;
            }
            clock.advance(Duration.ofMillis(10));
        }
        assertThat(count(idp, SCOPE)).as("IdP requests in 10 s").isBetween(1, 2);
        assertThat(served).isPositive();
        assertThat(refused).isPositive();
    }
}
