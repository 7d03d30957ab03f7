package tokenbroker.azure;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.azure.support.WorkloadIdentityTenant.SQL;
import static tokenbroker.azure.support.WorkloadIdentityTenant.VAULT;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.azure.support.InjectFakeEntra;
import tokenbroker.azure.support.SdkProcess;
import tokenbroker.azure.support.SdkRuns;
import tokenbroker.azure.support.WireRecorder;
import tokenbroker.azure.support.WorkloadIdentityTenant;

/**
 * The unmodified Azure SDK for Java in IMDS mode (SPEC §3.3): a child JVM with only
 * {@code AZURE_POD_IDENTITY_AUTHORITY_HOST} gets the broker's tokens and expiry for Key Vault and Azure SQL, from
 * a broker whose identity came from AKS workload identity, and fails at once on an unknown resource.
 */
@QuarkusTest
@WithTestResource(WorkloadIdentityTenant.class)
class AzureSdkImdsTests {

    @TestHTTPResource("/")
    URL broker;

    @Inject
    WireRecorder wire;

    @InjectFakeEntra
    Path dir;

    @BeforeEach
    void clearRecorder() {
        wire.clear();
    }

    @Test
    void managedIdentityCredential_getsTheBrokersTokensAndExpiry_forTwoResources() throws Exception {
        SdkProcess.Result sdk = SdkProcess.run(imds("http://127.0.0.1:" + broker.getPort()), VAULT, VAULT, SQL, SdkRuns.UNKNOWN);

        SdkRuns.tokensCachedAndUnknownRefused(sdk, AzureSdkImdsTests::broker);
        // msal4j puts a '/' between the host and "/metadata/...": the broker folds the double slash (HttpGuards).
        List<WireRecorder.Request> requests = wire.requests();
        assertThat(requests).extracting(WireRecorder.Request::uri)
                .containsExactlyElementsOf(SdkRuns.requestUris("//metadata/identity/oauth2/token", "2018-02-01"));
        assertThat(requests).allSatisfy(r -> assertThat(r.metadata()).isEqualTo("true"));
    }

    @Test
    void defaultAzureCredential_withATrailingSlashInTheHost_getsTheBrokersToken() throws Exception {
        SdkProcess.Result sdk = SdkProcess.run(imds("http://127.0.0.1:" + broker.getPort() + "/"), "--default", SQL);

        SdkRuns.sameToken(sdk.call(0), AzureSdkImdsTests::broker, "sql");
        assertThat(wire.requests()).extracting(WireRecorder.Request::uri).containsExactly(
                "///metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fdatabase.windows.net%2F");
    }

    /**
     * Why docs/azure.md says to keep the webhook's variables out of the app container: with them, the SDK's
     * {@code ManagedIdentityCredential} uses workload identity itself and never asks the broker, even when
     * {@code IDENTITY_ENDPOINT} is set.
     */
    @Test
    void managedIdentityCredential_withTheWebhooksVariablesToo_bypassesTheBroker() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        Path tokenFile = dir.resolve(WorkloadIdentityTenant.TOKEN_FILE);
        SdkProcess.Result sdk = SdkProcess.run(Map.of(
                "IDENTITY_ENDPOINT", "http://127.0.0.1:" + broker.getPort() + "/msi/token", "IDENTITY_HEADER", "anything",
                "AZURE_CLIENT_ID", WorkloadIdentityTenant.CLIENT_ID, "AZURE_TENANT_ID", WorkloadIdentityTenant.TENANT,
                "AZURE_FEDERATED_TOKEN_FILE", tokenFile.toString(),
                // The Java SDK insists on https here, so it cannot reach the fake Entra: it fails, and that is enough.
                "AZURE_AUTHORITY_HOST", "https://127.0.0.1:" + closed + "/"), VAULT);

        assertThat(sdk.call(0).get("ok").asBoolean()).isFalse();
        assertThat(sdk.call(0).get("message").asText()).contains("WorkloadIdentityCredential");
        assertThat(wire.requests()).as("the broker was never asked").isEmpty();
    }

    private static Map<String, String> imds(String host) {
        return Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", host);
    }

    private static RequestSpecification broker() {
        return given().header("Metadata", "true");
    }
}
