package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.testing.IdpStubs.count;
import static tokenbroker.testing.IdpStubs.forScope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.ApiBrokerTest;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;

/**
 * Issue 10: no caller can make the broker hammer the IdP. A caller looping on {@code min_ttl} just under the token's
 * lifetime (each fresh token satisfies it for a second) starts at most one IdP request per {@code force-interval}
 * (10 s); meanwhile it gets the token when it still has what it asked for, else 503 with {@code Retry-After}, never a
 * token with less than it asked for.
 */
@ApiBrokerTest
class MinTtlStormTest extends OnFakeTime {

    private static final String RESOURCE = "min-ttl-storm";
    private static final String SCOPE = IdpStubs.BOOT_503 + RESOURCE;
    private static final int LIFETIME = 60;
    private static final ObjectMapper JSON = new ObjectMapper();



    @Test
    void thousandRequestsWithMinTtlOfLifetimeLessOne_overTenSeconds_atMostTwoIdpRequests() throws Exception {
        idp.stubFor(forScope(SCOPE).willReturn(IdpStubs.token("storm", LIFETIME)));
        Broker.pastBackoff(RESOURCE, clock);
        Broker.accessToken(RESOURCE); // the first token: the broker's own, not the storm's
        idp.resetRequests();
        int served = 0;
        int refused = 0;
        // One kept-alive connection and no rest-assured per request: a thousand requests in a second or two, not 50.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + "/v1/tokens/"
                + RESOURCE + "?min_ttl=" + (LIFETIME - 1))).header("Metadata", "true").timeout(Duration.ofSeconds(10)).build();
        for (int i = 0; i < 1000; i++) {
            HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(answer.body());
            if (answer.statusCode() == 200) {
                assertThat(body.path("expires_in").asInt()).as("request %d", i).isGreaterThanOrEqualTo(LIFETIME - 1);
                served++;
            } else {
                assertThat(answer.statusCode()).as("request %d: %s", i, answer.body()).isEqualTo(503);
                assertThat(body.path("error").asText()).isEqualTo("temporarily_unavailable");
                assertThat(Integer.parseInt(answer.headers().firstValue("Retry-After").orElse("0"))).isBetween(1, 10);
                refused++;
            }
            clock.advance(Duration.ofMillis(10));
        }
        assertThat(count(idp, SCOPE)).as("IdP requests in 10 s").isBetween(1, 2);
        assertThat(served).isPositive();
        assertThat(refused).isPositive();
    }
}
