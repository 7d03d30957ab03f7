package tokenbroker.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.azure.support.ContosoTenant.CALLER_SECRET;
import static tokenbroker.azure.support.ContosoTenant.SQL;
import static tokenbroker.azure.support.ContosoTenant.VAULT;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.azure.support.ContosoTenant;
import tokenbroker.azure.support.SdkProcess;
import tokenbroker.azure.support.SdkRuns;
import tokenbroker.azure.support.WireRecorder;

/**
 * The unmodified Azure SDK for Java (azure-identity, msal4j) in App Service mode (SPEC §3.2): a child JVM with
 * only {@code IDENTITY_ENDPOINT} and {@code IDENTITY_HEADER} (the caller secret) gets the broker's tokens and their
 * expiry for Key Vault and Azure SQL, asks once per resource (the broker's tokens live 3599 s, so the SDK's cache
 * keeps them), and gives up at once, with the broker's words, on a resource that is not configured.
 */
@QuarkusTest
@WithTestResource(ContosoTenant.class)
class AzureSdkAppServiceTests {

    @TestHTTPResource("/")
    URL broker;

    @Inject
    WireRecorder wire;

    @BeforeEach
    void clearRecorder() {
        wire.clear();
    }

    @Test
    void managedIdentityCredential_getsTheBrokersTokensAndExpiry_forTwoResources() throws Exception {
        SdkProcess.Result sdk = SdkProcess.run(appService(CALLER_SECRET), VAULT, VAULT, SQL, SdkRuns.UNKNOWN);

        SdkRuns.tokensCachedAndUnknownRefused(sdk, EntraSecretTests::broker);
        // Exactly what the SDK sent.
        List<WireRecorder.Request> requests = wire.requests();
        assertThat(requests).extracting(WireRecorder.Request::uri)
                .containsExactlyElementsOf(SdkRuns.requestUris("/msi/token", "2019-08-01"));
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.identityHeader()).isEqualTo(CALLER_SECRET);
            assertThat(r.userAgent()).startsWith("azsdk-java-azure-identity/");
        });
    }

    @Test
    void defaultAzureCredential_findsTheBrokerThroughItsManagedIdentityStep() throws Exception {
        SdkProcess.Result sdk = SdkProcess.run(appService(CALLER_SECRET), "--default", VAULT);

        SdkRuns.sameToken(sdk.call(0), EntraSecretTests::broker, "vault");
        assertThat(wire.requests()).hasSize(1);
    }

    @Test
    void managedIdentityCredential_withAWrongIdentityHeader_failsAtOnceWith401() throws Exception {
        SdkProcess.Result sdk = SdkProcess.run(appService("not-the-caller-secret"), VAULT);

        JsonNode call = sdk.call(0);
        assertThat(call.get("ok").asBoolean()).isFalse();
        assertThat(call.get("message").asText()).contains("invalid_caller")
                .contains("a valid caller secret is required in the X-IDENTITY-HEADER header");
        assertThat(wire.requests()).as("no retry of a 401").hasSize(1);
    }

    private Map<String, String> appService(String identityHeader) {
        return Map.of("IDENTITY_ENDPOINT", "http://127.0.0.1:" + broker.getPort() + "/msi/token", "IDENTITY_HEADER", identityHeader);
    }
}
