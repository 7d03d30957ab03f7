package tokenbroker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The packaged broker's token file ({@code broker.files.secret-token}, see {@link KeycloakResource}) against a real
 * Keycloak: once readiness is UP the file is there, with mode 0440, and holds a token that Keycloak's introspection
 * calls active for the right client, with more than {@code min-serve-ttl} left. The same resources as
 * {@link BrokerWithKeycloakIT}, so the same broker configuration.
 */
@QuarkusIntegrationTest
@WithTestResource(value = KeycloakResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class BrokerTokenFileIT {

    private final KeycloakAdmin keycloak = KeycloakAdmin.current();

    @Test
    void tokenFile_onceReady_holdsATokenThatKeycloakCallsActive() throws Exception {
        LaunchedBroker.await("the broker is ready", Duration.ofSeconds(60), () -> LaunchedBroker.health("ready").statusCode() == 200);
        Path file = Path.of(System.getProperty("broker.files.secret-token.path"));

        String token = Files.readString(file, StandardCharsets.UTF_8);
        Instant read = Instant.now();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--r-----");
        JsonNode introspection = keycloak.introspect(token);
        assertThat(introspection.path("active").asBoolean()).as("the file's token is active at Keycloak").isTrue();
        assertThat(introspection.path("client_id").asText()).isEqualTo("broker-secret");
        assertThat(introspection.path("aud").toString()).contains("api://demo");
        // Keycloak counts in whole seconds of its own clock: exp may be up to 1 s before the broker's view.
        assertThat(KeycloakAdmin.claims(token).path("exp").asLong() - read.getEpochSecond()).isGreaterThanOrEqualTo(9);
        JsonPath view = LaunchedBroker.resourceView("secret");
        assertThat(view.getString("files[0].name")).isEqualTo("secret-token");
        assertThat(view.getString("files[0].state")).isEqualTo("written");
        assertThat(view.getString("files[0].path")).isEqualTo(file.toString());
    }
}
