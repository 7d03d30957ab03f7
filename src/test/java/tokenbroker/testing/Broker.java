package tokenbroker.testing;

import static io.restassured.RestAssured.given;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The broker's native API as a test calls it, through rest-assured on the token port. */
public final class Broker {

    private Broker() {
    }

    /** A request that passes the SSRF guard ({@code Metadata: true}). */
    public static RequestSpecification api() {
        return given().header("Metadata", "true");
    }

    /** {@code GET /v1/tokens/{resource}}. */
    public static Response token(String resource) {
        return api().get("/v1/tokens/{resource}", resource);
    }

    /** The access token of a 200 JSON answer for {@code resource}; fails on any other answer. */
    public static String accessToken(String resource) {
        return token(resource).then().statusCode(200).extract().path("access_token");
    }

    /** {@code resource}'s entry in {@code GET /v1/resources}. */
    public static Map<String, Object> resource(String name) {
        JsonPath list = api().get("/v1/resources").then().statusCode(200).extract().jsonPath();
        Map<String, Object> entry = list.getMap("resources.find { it.name == '" + name + "' }");
        if (entry == null) {
            throw new AssertionError("no resource " + name + " in /v1/resources: " + list.prettify());
        }
        return entry;
    }

    public static String state(String name) {
        return (String) resource(name).get("state");
    }

    /**
     * Waits until no IdP request of {@code resource} runs, then moves {@code clock} past the backoff of its last
     * failure, if any (the start-up request of a resource whose IdP answers 503 until its test stubs it).
     *
     * @return the instant at which an IdP request may start
     */
    public static Instant pastBackoff(String resource, FakeClock clock) {
        Map<String, Object> entry = awaitIdle(resource);
        if (entry.get("next_retry") instanceof Number retry) {
            Instant allowed = Instant.ofEpochSecond(retry.longValue() + 1);
            if (allowed.isAfter(clock.instant())) {
                clock.set(allowed);
            }
        }
        return clock.instant();
    }

    /** Waits until no IdP request of {@code resource} runs (e.g. the start-up prefetch); returns its entry. */
    public static Map<String, Object> awaitIdle(String resource) {
        return Eventually.until(resource + " to leave state 'refreshing'", Duration.ofSeconds(20), () -> {
            Map<String, Object> entry = resource(resource);
            return "refreshing".equals(entry.get("state")) ? null : entry;
        });
    }
}
