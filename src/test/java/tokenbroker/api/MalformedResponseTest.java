package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.api.HttpContractTest.assertError;
import static tokenbroker.testing.IdpStubs.count;
import static tokenbroker.testing.IdpStubs.forScope;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.ApiBrokerTest;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;

/**
 * A 200 answer that holds no usable token is a failure, never served: {@code Malformed}, which is not retryable,
 * so the caller gets 502 {@code idp_error} (SPEC §3.1, STYLE §7) and the resource shows {@code failing}.
 */
@ApiBrokerTest
class MalformedResponseTest extends OnFakeTime {



    @Test
    void token_when200IsNotJson_is502() {
        String description = refusedWith("malformed-text", WireMock.aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html").withBody("<html><body>access_token=html-VALUE</body></html>"),
                "html-VALUE");
        assertThat(description).contains("not a valid token response");
    }

    @Test
    void token_when200HasNoAccessToken_is502() {
        String description = refusedWith("malformed-no-token",
                IdpStubs.json(200, "{\"id_token\":\"idtoken-VALUE\",\"token_type\":\"Bearer\",\"expires_in\":3600}"),
                "idtoken-VALUE");
        assertThat(description).contains("no access_token");
    }

    @Test
    void token_when200HasNoExpiry_andTheTokenIsOpaque_is502() {
        String description = refusedWith("malformed-no-expiry",
                IdpStubs.json(200, "{\"access_token\":\"opaque-NOEXPIRY\",\"token_type\":\"Bearer\"}"), "opaque-NOEXPIRY");
        assertThat(description).contains("expires_in");
    }

    @Test
    void token_when200ExpiryIsNotANumber_is502() {
        String description = refusedWith("malformed-bad-expiry", IdpStubs.json(200,
                "{\"access_token\":\"opaque-BADEXPIRY\",\"token_type\":\"Bearer\",\"expires_in\":\"soon\"}"),
                "opaque-BADEXPIRY");
        assertThat(description).doesNotContain("soon");
    }

    /**
     * Gives an empty resource a malformed answer and checks that it is refused, stays refused without a new IdP
     * request, and shows as failing, never quoting {@code tokenText}.
     *
     * @return the error description, for the caller to check
     */
    private String refusedWith(String resource, ResponseDefinitionBuilder answer, String tokenText) {
        String scope = IdpStubs.BOOT_503 + resource;
        Broker.awaitIdle(resource);
        idp.stubFor(forScope(scope).willReturn(answer));
        idp.resetRequests();
        Broker.pastBackoff(resource, clock);

        Response refused = Broker.token(resource);
        String description = assertError(refused, 502, "idp_error").contains(resource).actual();
        assertThat(refused.asString()).doesNotContain(tokenText);
        assertThat(count(idp, scope)).isEqualTo(1);

        // Not retryable: the next caller is refused at once, without asking the IdP again.
        assertError(Broker.token(resource), 502, "idp_error");
        Broker.api().accept("text/plain").get("/v1/tokens/{r}", resource).then().statusCode(502);
        assertThat(count(idp, scope)).isEqualTo(1);

        Map<String, Object> entry = Broker.resource(resource);
        assertThat(entry).containsEntry("state", "failing").containsEntry("expires_on", null);
        assertThat((String) entry.get("last_error")).isNotBlank().doesNotContain(tokenText);
        assertThat(Broker.api().get("/v1/resources").asString()).doesNotContain(tokenText);
        return description;
    }
}
