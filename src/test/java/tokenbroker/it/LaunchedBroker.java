package tokenbroker.it;

import static io.restassured.RestAssured.given;

import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * The launched broker as its callers and its kubelet see it: the token interface (rest-assured, which the test
 * framework points at the broker's port before each test) and the management interface.
 */
final class LaunchedBroker {

    private LaunchedBroker() {
    }

    /** The token interface, for callers outside rest-assured (it is set up per test, on the test's thread). */
    static URI uri() {
        return URI.create("http://127.0.0.1:" + RestAssured.port);
    }

    static Response token(String resource) {
        return given().header("Metadata", "true").when().get("/v1/tokens/{resource}", resource);
    }

    static Response forceRefresh(String resource) {
        return given().header("Metadata", "true").queryParam("force_refresh", "true").when().get("/v1/tokens/{resource}", resource);
    }

    /** The entry of {@code resource} in {@code GET /v1/resources}. */
    static JsonPath resourceView(String resource) {
        Response list = given().header("Metadata", "true").when().get("/v1/resources");
        list.then().statusCode(200);
        return new JsonPath(list.asString()).setRootPath("resources.find { it.name == '" + resource + "' }");
    }

    /** {@code /q/health/ready}, {@code /q/health/started} or {@code /q/health/live} on the management port. */
    static Response health(String probe) {
        return given().port(managementPort()).when().get("/q/health/" + probe);
    }

    static int managementPort() {
        return Integer.parseInt(System.getProperty(KeycloakResource.MANAGEMENT_PORT));
    }

    /** Polls {@code condition} every 250 ms until it holds; fails after {@code timeout}, saying what was awaited. */
    static Duration await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant start = Instant.now();
        Instant deadline = start.plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
            }
            Thread.sleep(250);
        }
        return Duration.between(start, Instant.now());
    }
}
