package tokenbroker.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The proxy against a real resource server that checks tokens (SPEC §3.4): Keycloak's admin REST API. Through the
 * route, with the broker's token, {@code GET /admin/realms/broker/clients} answers 200 with the realm's clients;
 * the same request straight to Keycloak without a token answers 401, and through the route with a token of the
 * caller's own, which the route drops, 200 again. The route is {@link KeycloakResource}'s, so this class shares the launch
 * of {@link BrokerWithKeycloakIT}.
 */
@QuarkusIntegrationTest
@WithTestResource(value = KeycloakResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ProxyWithKeycloakIT {

    @Test
    void adminApi_throughTheRoute_200_straight_401() throws InterruptedException {
        LaunchedBroker.await("the broker is ready", Duration.ofSeconds(60), () -> LaunchedBroker.health("ready").statusCode() == 200);
        String route = "http://127.0.0.1:" + System.getProperty(KeycloakResource.ROUTE_PORT);
        String keycloak = KeycloakScript.env().get("KEYCLOAK_URL");

        Response proxied = given().get(route + "/broker/clients");
        assertThat(proxied.statusCode()).as(proxied.asString()).isEqualTo(200);
        List<String> clients = proxied.jsonPath().getList("clientId");
        assertThat(clients).contains("broker-admin-reader", "broker-secret");
        assertThat(proxied.header("X-Token-Broker-Error")).isNull();

        Response straight = given().get(keycloak + "/admin/realms/broker/clients");
        assertThat(straight.statusCode()).isEqualTo(401);

        Response withOwnToken = given().header("Authorization", "Bearer not-a-token").get(route + "/broker/clients");
        assertThat(withOwnToken.statusCode()).isEqualTo(200);

        Response escape = given().urlEncodingEnabled(false).get(route + "/broker/%2e%2e/master/clients");
        assertThat(escape.statusCode()).isEqualTo(400);
        assertThat(escape.header("X-Token-Broker-Error")).isEqualTo("true");
    }
}
