package tokenbroker.door;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.hostile.HostileProfile.RESOURCE;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.WireMockIdp;

/**
 * The one front door (issue 15): one reading of the query on every door, whatever the cache holds; each door's
 * error body from the one policy (App Service's {@code statusCode} and {@code message} too, SPEC §3.2); and
 * {@code Cache-Control: no-store} with JSON errors on the management interface. Shares the hostile tests' broker.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.HOSTILE))
class FrontDoorTest {

    @TestHTTPResource(value = "/health/ready", management = true)
    URL readiness;

    @TestHTTPResource(value = "/health/live", management = true)
    URL liveness;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @TestHTTPResource(value = "/no-such-thing", management = true)
    URL managementMissing;

    @BeforeEach
    void tokenIsCached() {
        Eventually.until("a token for " + RESOURCE, Duration.ofSeconds(20),
                () -> Broker.token(RESOURCE).statusCode() == 200 ? true : null);
    }

    @Test
    void query_upperCaseNames_areNotTheParameters_evenWithTheTokenCached() {
        // Issue 15: answered 200 from the cache, 400 once the token had to be fetched. Names are case-sensitive.
        Response upper = given().header("X-IDENTITY-HEADER", "x").urlEncodingEnabled(false)
                .get("/msi/token?API-VERSION=2019-08-01&RESOURCE=" + RESOURCE);
        assertThat(upper.statusCode()).as(upper.asString()).isEqualTo(400);
        assertThat(upper.jsonPath().getString("error_description")).contains("api-version must be 2019-08-01");
        Response lower = given().header("X-IDENTITY-HEADER", "x").urlEncodingEnabled(false)
                .get("/msi/token?api-version=2019-08-01&resource=" + RESOURCE);
        assertThat(lower.statusCode()).as(lower.asString()).isEqualTo(200);

        Response imds = Broker.api().urlEncodingEnabled(false)
                .get("/metadata/identity/oauth2/token?api-version=2018-02-01&RESOURCE=" + RESOURCE);
        assertThat(imds.statusCode()).as(imds.asString()).isEqualTo(400);
        assertThat(imds.jsonPath().getString("error_description")).contains("resource parameter is required");
    }

    @Test
    void query_semicolon_isNotASeparator() {
        Response answer = given().header("X-IDENTITY-HEADER", "x").urlEncodingEnabled(false)
                .get("/msi/token?api-version=2019-08-01;resource=" + RESOURCE);
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(400);
    }

    @Test
    void query_repeatedParameter_isRefusedOnEveryDoor() {
        assertThat(Broker.api().urlEncodingEnabled(false).get("/v1/tokens/" + RESOURCE + "?min_ttl=1&min_ttl=2").statusCode())
                .isEqualTo(400);
        assertThat(given().header("X-IDENTITY-HEADER", "x").urlEncodingEnabled(false)
                .get("/msi/token?api-version=2019-08-01&resource=" + RESOURCE + "&resource=" + RESOURCE).statusCode())
                .isEqualTo(400);
    }

    @Test
    void errors_ofTheAppServiceDoor_carryStatusCodeAndMessage() {
        JsonPath unknown = expect(given().header("X-IDENTITY-HEADER", "x").queryParam("api-version", "2019-08-01")
                .queryParam("resource", "https://unknown.example").get("/msi/token"), 400);
        assertThat(unknown.getString("error")).isEqualTo("invalid_resource");
        assertThat(unknown.getInt("statusCode")).isEqualTo(400);
        assertThat(unknown.getString("message")).isEqualTo("invalid_resource: " + unknown.getString("error_description"))
                .contains("no configured resource matches resource=https://unknown.example");

        JsonPath noHeader = expect(given().queryParam("api-version", "2019-08-01").queryParam("resource", RESOURCE)
                .get("/msi/token"), 400);
        assertThat(noHeader.getInt("statusCode")).isEqualTo(400);
        assertThat(noHeader.getString("message")).contains("X-IDENTITY-HEADER");

        // An answer of the HTTP guards on that path has the door's shape too.
        Response post = given().header("X-IDENTITY-HEADER", "x").post("/msi/token");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.jsonPath().getInt("statusCode")).isEqualTo(405);
        assertThat(post.jsonPath().getString("error")).isEqualTo("method_not_allowed");
    }

    @Test
    void errors_ofTheNativeAndImdsDoors_areTheOAuthShape() {
        JsonPath nativeUnknown = expect(Broker.token("no-such-resource"), 404);
        assertThat(nativeUnknown.getMap("")).containsOnlyKeys("error", "error_description");
        assertThat(nativeUnknown.getString("error")).isEqualTo("unknown_resource");
        assertThat(nativeUnknown.getString("error_description")).isEqualTo("no resource named 'no-such-resource' is configured");

        JsonPath imdsUnknown = expect(Broker.api().queryParam("api-version", "2018-02-01").queryParam("resource", "https://unknown.example")
                .get("/metadata/identity/oauth2/token"), 400);
        assertThat(imdsUnknown.getMap("")).containsOnlyKeys("error", "error_description");
        assertThat(imdsUnknown.getString("error")).isEqualTo("invalid_resource");

        JsonPath imdsUnguarded = expect(given().queryParam("api-version", "2018-02-01").queryParam("resource", RESOURCE)
                .get("/metadata/identity/oauth2/token"), 400);
        assertThat(imdsUnguarded.getString("error")).isEqualTo("bad_request_102");
    }

    @Test
    void management_answersAreNoStore_andItsErrorsJson() {
        for (URL url : new URL[] { liveness, metrics }) {
            Response answer = given().get(url);
            assertThat(answer.statusCode()).as(url.toString()).isEqualTo(200);
            assertThat(answer.header("Cache-Control")).as(url.toString()).isEqualTo("no-store");
        }
        // This profile's resources include some whose IdP always fails: readiness may be DOWN (503), still no-store.
        Response ready = given().get(readiness);
        assertThat(ready.statusCode()).isIn(200, 503);
        assertThat(ready.header("Cache-Control")).isEqualTo("no-store");
        Response missing = given().get(managementMissing);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.header("Cache-Control")).isEqualTo("no-store");
        assertThat(missing.contentType()).startsWith("application/json");
        assertThat(missing.jsonPath().getString("error")).isEqualTo("not_found");
    }

    private static JsonPath expect(Response answer, int status) {
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(status);
        assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
        assertThat(answer.contentType()).startsWith("application/json");
        Map<String, Object> body = answer.jsonPath().getMap("");
        assertThat(body).doesNotContainKey("access_token");
        return answer.jsonPath();
    }
}
