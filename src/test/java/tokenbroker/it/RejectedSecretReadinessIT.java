package tokenbroker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packaged broker with a wrong client secret on a <em>required</em> resource: Keycloak refuses it
 * ({@code unauthorized_client}), and the pod must not become ready. A launch of its own, because readiness covers
 * every required resource and {@link BrokerWithKeycloakIT} needs it UP; the same Keycloak serves both.
 */
@QuarkusIntegrationTest
@WithTestResource(value = KeycloakResource.class, scope = TestResourceScope.MATCHING_RESOURCES,
        initArgs = @ResourceArg(name = KeycloakResource.WRONG_REQUIRED, value = "true"))
class RejectedSecretReadinessIT {

    @Test
    void readiness_whenARequiredResourceIsRejected_isDownWithKeycloaksError() throws InterruptedException {
        // The other resources get their tokens: the only reason left for DOWN is the rejected secret.
        for (String resource : List.of("secret", "jwt", "jwt-p12", "rotate", "outage-secret", "outage-jwt")) {
            LaunchedBroker.await(resource + " has a token", Duration.ofSeconds(60),
                    () -> LaunchedBroker.token(resource).statusCode() == 200);
        }
        LaunchedBroker.await("'wrong' has failed", Duration.ofSeconds(30),
                () -> "failing".equals(LaunchedBroker.resourceView("wrong").getString("state")));

        for (String probe : List.of("ready", "started")) {
            Response health = LaunchedBroker.health(probe);
            health.then().statusCode(503).body("status", is("DOWN"));
            JsonPath data = new JsonPath(health.asString()).setRootPath("checks.find { it.name == 'tokens' }.data");
            assertThat(data.getString("wrong")).as(probe).isEqualTo("failing");
            assertThat(data.getString("'wrong.last_error'")).as(probe).contains("unauthorized_client");
            assertThat(data.getString("secret")).as(probe).isIn("fresh", "refreshing");
        }
        // A wrong secret is a reason not to be ready, not to be restarted.
        LaunchedBroker.health("live").then().statusCode(200).body("status", is("UP"));

        LaunchedBroker.token("wrong").then().statusCode(502)
                .body("error", is("idp_error"))
                .body("error_description", containsString("unauthorized_client"));
        LaunchedBroker.token("secret").then().statusCode(200);
    }
}
