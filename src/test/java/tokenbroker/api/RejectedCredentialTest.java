package tokenbroker.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.api.HttpContractTest.assertError;
import static tokenbroker.testing.IdpStubs.count;
import static tokenbroker.testing.IdpStubs.forScope;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.WireMockIdp;

/**
 * SPEC §3.1 and §4: an IdP that refuses our credentials ({@code invalid_client}) is a permanent failure: 502
 * {@code idp_error} with the IdP's code, {@code failing} in {@code /v1/resources}, readiness DOWN, retried at the
 * slowest pace; and the client secret shows nowhere.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.FAILING_IDP))
class RejectedCredentialTest extends OnFakeTime {

    private static final String RESOURCE = "revoked";
    private static final String SCOPE = IdpStubs.BOOT_503 + RESOURCE;



    @TestHTTPResource(value = "/health/ready", management = true)
    URL readiness;


    @Test
    void token_whenIdpAnswersInvalidClient_is502_failing_notReady_withoutTheSecret() throws IOException {
        // Read from the configuration at run time: a @ConfigProperty field would have to resolve in every setup.
        String secret = Files.readString(CredentialWireFormatTest.configuredPath("broker.identities.main.secret-file")).strip();
        String basic = Base64.getEncoder().encodeToString((WireMockIdp.CLIENT_ID + ":" + secret).getBytes(StandardCharsets.UTF_8));
        // The other resource holds a token (the start-up one, or a new one if that request failed)...
        Broker.pastBackoff("hanging", clock);
        Broker.token("hanging").then().statusCode(200);
        idp.stubFor(forScope(SCOPE).willReturn(IdpStubs.oauthError(400, "invalid_client",
                "Invalid client or Invalid client credentials")));
        idp.resetRequests();
        Instant refusedAt = Broker.pastBackoff(RESOURCE, clock);

        Response refused = Broker.token(RESOURCE);
        assertError(refused, 502, "idp_error").contains("invalid_client").contains("Invalid client credentials");
        assertThat(count(idp, SCOPE)).isEqualTo(1);
        // The request did carry the secret: the broker had it to leak.
        assertThat(idp.findAll(IdpStubs.requestsFor(SCOPE)).get(0).getHeader("Authorization")).isEqualTo("Basic " + basic);

        Map<String, Object> entry = Broker.resource(RESOURCE);
        assertThat(entry).containsEntry("state", "failing").containsEntry("expires_on", null);
        assertThat((String) entry.get("last_error")).contains("invalid_client");
        // Permanent: the next attempt waits for the slowest pace, 60 s.
        assertThat(((Number) entry.get("next_retry")).longValue() - refusedAt.getEpochSecond()).isBetween(59L, 60L);

        // ... so readiness is DOWN because of this one.
        Broker.token("hanging").then().statusCode(200);
        Response ready = given().get(readiness);
        ready.then().statusCode(503).body("status", org.hamcrest.Matchers.equalTo("DOWN"));
        Map<String, Object> data = ready.jsonPath().getMap("checks.find { it.name == 'tokens' }.data");
        assertThat(data).containsEntry(RESOURCE, "failing");
        assertThat((String) data.get(RESOURCE + ".last_error")).contains("invalid_client");

        Response list = Broker.api().get("/v1/resources");
        for (Response answer : List.of(refused, list, ready, Broker.token(RESOURCE))) {
            assertThat(answer.asString()).doesNotContain(secret).doesNotContain(basic);
            assertThat(answer.getHeaders().toString()).doesNotContain(secret).doesNotContain(basic);
        }

        clock.set(refusedAt.plusSeconds(59));
        sweep(RESOURCE);
        assertError(Broker.token(RESOURCE), 502, "idp_error");
        assertThat(count(idp, SCOPE)).isEqualTo(1);
        clock.set(refusedAt.plusSeconds(60));
        sweep(RESOURCE);
        Broker.awaitIdle(RESOURCE);
        assertThat(count(idp, SCOPE)).isEqualTo(2);
    }
}
