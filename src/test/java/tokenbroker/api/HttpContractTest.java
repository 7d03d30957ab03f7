package tokenbroker.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static tokenbroker.testing.Broker.api;
import static tokenbroker.testing.Broker.token;
import static tokenbroker.testing.IdpStubs.count;
import static tokenbroker.testing.IdpStubs.forScope;

import io.quarkus.test.common.http.TestHTTPResource;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.ApiBrokerTest;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.WireMockIdp;

/** The native API's HTTP contract (SPEC §3, §3.1): guards, answer shapes, query parameters, errors, headers. */
@ApiBrokerTest
class HttpContractTest extends OnFakeTime {

    /** Holds the one-hour token of the start-up prefetch (or a later one, once fake time is past it). */
    private static final String CONTRACT = "contract";


    @TestHTTPResource(value = "/health/ready", management = true) // under the management root, /q
    URL managementReadiness;

    @TestHTTPResource(value = "/health/live", management = true)
    URL managementLiveness;

    @BeforeEach
    void setUp() {
        Broker.pastBackoff(CONTRACT, clock); // in case the start-up request failed on a busy machine
    }

    @Test
    void token_withoutMetadataHeader_is400() {
        assertError(given().get("/v1/tokens/{r}", CONTRACT), 400, "invalid_request").contains("Metadata");
        assertError(given().header("Metadata", "false").get("/v1/tokens/{r}", CONTRACT), 400, "invalid_request");
        assertError(given().get("/v1/resources"), 400, "invalid_request");
    }

    @Test
    void token_throughProxy_is400() {
        assertError(api().header("X-Forwarded-For", "10.1.2.3").get("/v1/tokens/{r}", CONTRACT), 400, "invalid_request")
                .contains("proxy");
        assertError(api().header("Forwarded", "for=10.1.2.3;proto=http").get("/v1/tokens/{r}", CONTRACT), 400,
                "invalid_request").contains("proxy");
        assertError(api().header("X-Forwarded-For", "10.1.2.3").get("/v1/resources"), 400, "invalid_request");
    }

    @Test
    void token_json_hasExactlyTheSpecFields() {
        // A resource of this test's own, given its token now: its lifetime left is known to the second.
        String resource = "contract-fields";
        Broker.awaitIdle(resource);
        idp.stubFor(forScope(IdpStubs.BOOT_503 + resource).willReturn(IdpStubs.token("fields", 3600)));
        Broker.pastBackoff(resource, clock); // the start-up request failed (boot 503)
        Response answer = token(resource);
        answer.then().statusCode(200).contentType("application/json").header("Cache-Control", "no-store");
        Map<String, Object> body = answer.jsonPath().getMap("");
        assertThat(body).containsOnlyKeys("access_token", "token_type", "expires_in", "expires_on", "resource", "scope");
        assertThat(body.get("access_token")).asString().startsWith("fields-");
        assertThat(body).containsEntry("token_type", "Bearer").containsEntry("resource", resource)
                .containsEntry("scope", IdpStubs.BOOT_503 + resource);
        assertThat(body.get("expires_in")).isInstanceOf(Integer.class);
        assertThat(body.get("expires_on")).isInstanceOfAny(Integer.class, Long.class);
        long expiresIn = ((Number) body.get("expires_in")).longValue();
        long expiresOn = ((Number) body.get("expires_on")).longValue();
        // Obtained at this very fake instant: all of the IdP's hour is left, and expires_on is now plus that.
        assertThat(expiresIn).isEqualTo(3600);
        assertThat(expiresOn - clock.instant().getEpochSecond()).isBetween(expiresIn, expiresIn + 1);
    }

    @Test
    void token_acceptTextPlain_isTheBareToken() {
        String json = Broker.accessToken(CONTRACT);
        Response plain = api().accept("text/plain").get("/v1/tokens/{r}", CONTRACT);
        plain.then().statusCode(200).contentType("text/plain").header("Cache-Control", "no-store");
        assertThat(plain.asString()).isEqualTo(json);
    }

    @Test
    void token_minTtl_refreshesWhenShortAndRefusesBeyondTheLifetime() {
        String resource = "contract-min-ttl";
        String scope = IdpStubs.BOOT_503 + resource;
        Broker.awaitIdle(resource);
        idp.stubFor(forScope(scope).willReturn(IdpStubs.token("short", 1000)));
        idp.resetRequests();
        Broker.pastBackoff(resource, clock); // the start-up request failed
        String first = Broker.accessToken(resource);
        assertThat(count(idp, scope)).isEqualTo(1);

        clock.advance(Duration.ofSeconds(300)); // 700 s left
        assertThat(Broker.accessToken(resource)).isEqualTo(first);
        Response refreshed = api().queryParam("min_ttl", 800).get("/v1/tokens/{r}", resource);
        refreshed.then().statusCode(200);
        assertThat(refreshed.jsonPath().getString("access_token")).isNotEqualTo(first);
        assertThat(refreshed.jsonPath().getLong("expires_in")).isGreaterThanOrEqualTo(800);
        assertThat(count(idp, scope)).isEqualTo(2);

        // The fresh token has exactly its lifetime left: enough for 1000 s, and no token of this IdP lasts 1001 s.
        api().queryParam("min_ttl", 1000).get("/v1/tokens/{r}", resource).then().statusCode(200);
        assertError(api().queryParam("min_ttl", 1001).get("/v1/tokens/{r}", resource), 400, "invalid_request")
                .contains("min_ttl");
        assertThat(count(idp, scope)).isEqualTo(2);
    }

    @Test
    void token_minTtlNotSeconds_is400() {
        for (String bad : List.of("abc", "-1", "1.5", "86401", "99999999999999999999")) {
            Response answer = api().queryParam("min_ttl", bad).get("/v1/tokens/{r}", CONTRACT);
            assertThat(answer.statusCode()).as("min_ttl=%s", bad).isEqualTo(400);
            assertError(answer, 400, "invalid_request").contains("min_ttl");
        }
        assertError(api().queryParam("force_refresh", "yes").get("/v1/tokens/{r}", CONTRACT), 400, "invalid_request");
    }

    @Test
    void token_forceRefresh_callsTheIdpAtMostOncePerTenSeconds() {
        String resource = "contract-force";
        String scope = IdpStubs.BOOT_503 + resource;
        Broker.awaitIdle(resource);
        idp.stubFor(forScope(scope).willReturn(IdpStubs.token("forced", 3600)));
        idp.resetRequests();
        Broker.pastBackoff(resource, clock);
        String cached = Broker.accessToken(resource);
        assertThat(count(idp, scope)).isEqualTo(1);

        Supplier<String> force = () -> api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", resource)
                .then().statusCode(200).extract().path("access_token");
        String forced = force.get();
        assertThat(forced).isNotEqualTo(cached);
        assertThat(count(idp, scope)).isEqualTo(2);

        clock.advance(Duration.ofSeconds(9));
        assertThat(force.get()).isEqualTo(forced);
        assertThat(count(idp, scope)).isEqualTo(2);

        clock.advance(Duration.ofSeconds(1)); // 10 s after the forced request
        assertThat(force.get()).isNotEqualTo(forced);
        assertThat(count(idp, scope)).isEqualTo(3);
    }

    @Test
    void token_unknownResource_is404() {
        assertError(token("no-such-resource"), 404, "unknown_resource").contains("no-such-resource");
        assertThat(idp.findAll(IdpStubs.requestsFor("no-such-resource"))).isEmpty();
    }

    @Test
    void unknownPathsAndMethods_areJsonErrors() {
        assertError(api().get("/nope"), 404, "not_found");
        assertError(api().get("/v1/tokens"), 404, "not_found");
        assertError(api().get("/v1/tokens/"), 404, "not_found");
        assertError(api().post("/v1/tokens/{r}", CONTRACT), 405, "method_not_allowed");
        assertError(api().delete("/v1/resources"), 405, "method_not_allowed");
    }

    @Test
    void health_isOnTheManagementPortOnly() {
        for (String path : List.of("/q/health", "/q/health/ready", "/q/health/live", "/q/metrics")) {
            assertError(given().get(path), 404, "not_found");
        }
        assertThat(managementReadiness.getPort()).isNotEqualTo(RestAssured.port);
        // ... and the management interface, reachable from outside the pod, never serves a token.
        given().header("Metadata", "true").get(managementLiveness.toString().replace("/q/health/live", "/v1/tokens/" + CONTRACT))
                .then().statusCode(404);
        given().get(managementLiveness).then().statusCode(200).body("status", equalTo("UP"));
        // This test's contract-down never gets a token (its IdP answers 503), so readiness is DOWN; it names each
        // resource with its state.
        Broker.accessToken(CONTRACT);
        Broker.awaitIdle("contract-down");
        given().get(managementReadiness).then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'tokens' }.data.contract", equalTo("fresh"))
                .body("checks.find { it.name == 'tokens' }.data.'contract-down'", equalTo("failing"));
    }

    @Test
    void resources_listsStatesWithoutTokens() {
        String token = Broker.accessToken(CONTRACT);
        Response list = api().get("/v1/resources");
        list.then().statusCode(200).contentType("application/json").header("Cache-Control", "no-store");
        assertThat(list.asString()).doesNotContain(token).doesNotContain("boot-");
        Map<String, Object> contract = Broker.resource(CONTRACT);
        assertThat(contract).containsEntry("identity", "main").containsEntry("client_id", WireMockIdp.CLIENT_ID)
                .containsEntry("scopes", List.of("contract.read")).containsEntry("state", "fresh");
        assertThat(contract.get("expires_on")).isNotNull();
    }

    /** Checks the status, {@code Cache-Control: no-store} and the error shape; returns the description to check. */
    static AbstractStringAssert<?> assertError(Response answer, int status, String error) {
        answer.then().statusCode(status).contentType("application/json").header("Cache-Control", "no-store");
        Map<String, Object> body = answer.jsonPath().getMap("");
        assertThat(body).as("error body %s", answer.asString()).containsOnlyKeys("error", "error_description")
                .containsEntry("error", error);
        assertThat(body.get("error_description")).isInstanceOf(String.class);
        return assertThat((String) body.get("error_description"));
    }
}
