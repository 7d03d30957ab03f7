package tokenbroker.azure;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.azure.support.WorkloadIdentityTenant.CLIENT_ID;
import static tokenbroker.azure.support.WorkloadIdentityTenant.SQL;
import static tokenbroker.azure.support.WorkloadIdentityTenant.TENANT;
import static tokenbroker.azure.support.WorkloadIdentityTenant.VAULT;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.azure.support.FakeEntra;
import tokenbroker.azure.support.InjectFakeEntra;
import tokenbroker.azure.support.WorkloadIdentityTenant;

/**
 * AKS workload identity (SPEC §2, §5): the webhook's variables alone make the identity {@code azure}, and the
 * broker sends the projected token as {@code client_assertion} exactly as the file holds it, with
 * {@code client_id}, reading the file again for every request (kubelet rotates it).
 */
@QuarkusTest
@WithTestResource(WorkloadIdentityTenant.class)
class EntraWorkloadIdentityTests {

    @InjectFakeEntra
    FakeEntra entra;

    @InjectFakeEntra
    Path dir;

    @BeforeEach
    void tokensFetchedAtStartup() {
        for (String resource : List.of("vault", "sql")) {
            given().header("Metadata", "true").get("/v1/tokens/" + resource).then().statusCode(200);
        }
    }

    @Test
    void webhookVariables_withoutIdentityKeys_makeIdentityAzure() {
        JsonPath list = given().header("Metadata", "true").get("/v1/resources").then().statusCode(200).extract().jsonPath();

        assertThat(list.getList("resources.identity", String.class)).containsOnly("azure");
        assertThat(list.getList("resources.client_id", String.class)).containsOnly(CLIENT_ID);
    }

    @Test
    void assertion_isTheProjectedTokenUntouched_withClientId() {
        assertThat(entra.accepted(VAULT)).singleElement().satisfies(e -> {
            assertThat(e.tenant()).isEqualTo(TENANT);
            assertThat(e.clientId()).isEqualTo(CLIENT_ID);
            assertThat(e.auth()).isEqualTo("federated");
            assertThat(e.formFields())
                    .containsExactlyInAnyOrder("grant_type", "scope", "client_id", "client_assertion_type", "client_assertion");
        });
    }

    @Test
    void tokenFile_whenKubeletRotatesIt_nextRequestSendsTheNewToken() throws Exception {
        String rotated = WorkloadIdentityTenant.serviceAccountToken("2");
        Files.writeString(dir.resolve(WorkloadIdentityTenant.TOKEN_FILE), rotated);
        // From now on only the new token is accepted: a stale read would be refused with AADSTS70021.
        entra.registerFederated(TENANT, CLIENT_ID, rotated);
        int before = entra.accepted(SQL).size();

        String token = given().header("Metadata", "true").queryParam("force_refresh", "true").get("/v1/tokens/sql")
                .then().statusCode(200).extract().path("access_token");

        List<FakeEntra.Exchange> accepted = entra.accepted(SQL);
        assertThat(accepted).hasSize(before + 1);
        assertThat(accepted.get(accepted.size() - 1).accessToken()).isEqualTo(token);
    }
}
