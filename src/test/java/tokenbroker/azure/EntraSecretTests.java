package tokenbroker.azure;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static tokenbroker.azure.support.ContosoTenant.BASIC_APP;
import static tokenbroker.azure.support.ContosoTenant.CALLER_SECRET;
import static tokenbroker.azure.support.ContosoTenant.GRAPH;
import static tokenbroker.azure.support.ContosoTenant.POST_APP;
import static tokenbroker.azure.support.ContosoTenant.SQL;
import static tokenbroker.azure.support.ContosoTenant.TENANT;
import static tokenbroker.azure.support.ContosoTenant.VAULT;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.azure.support.ContosoTenant;
import tokenbroker.azure.support.FakeEntra;
import tokenbroker.azure.support.InjectFakeEntra;

/**
 * Client secrets at Entra (SPEC §5): {@code client_secret_basic} by default, {@code client_secret_post} on request,
 * each with exactly the form fields Entra wants; and what the Azure-compatible endpoints then hand out for each
 * spelling of a resource (SPEC §3.2, §3.3).
 */
@QuarkusTest
@WithTestResource(ContosoTenant.class)
class EntraSecretTests {

    @InjectFakeEntra
    FakeEntra entra;

    @BeforeEach
    void tokensFetchedAtStartup() {
        for (String resource : List.of("vault", "sql", "graph")) {
            broker().get("/v1/tokens/" + resource).then().statusCode(200);
        }
    }

    @Test
    void secretBasic_byDefault_sendsGrantTypeAndScopeWithABasicHeader() {
        for (String scope : List.of(VAULT, SQL)) {
            assertThat(entra.accepted(scope)).singleElement().satisfies(e -> {
                assertThat(e.tenant()).isEqualTo(TENANT);
                assertThat(e.clientId()).isEqualTo(BASIC_APP);
                assertThat(e.auth()).isEqualTo("client_secret_basic");
                assertThat(e.formFields()).containsExactlyInAnyOrder("grant_type", "scope");
            });
        }
    }

    @Test
    void secretPost_onRequest_sendsClientIdAndSecretInTheForm() {
        assertThat(entra.accepted(GRAPH)).singleElement().satisfies(e -> {
            assertThat(e.clientId()).isEqualTo(POST_APP);
            assertThat(e.auth()).isEqualTo("client_secret_post");
            assertThat(e.formFields()).containsExactlyInAnyOrder("grant_type", "scope", "client_id", "client_secret");
        });
    }

    @Test
    void nativeToken_isEntrasToken_withEntrasLifetime() {
        JsonPath body = broker().get("/v1/tokens/vault").then().statusCode(200).extract().jsonPath();

        assertThat(body.getString("access_token")).isEqualTo(entra.accepted(VAULT).get(0).accessToken());
        assertThat(body.getInt("expires_in")).isBetween(FakeEntra.TOKEN_LIFETIME_SECONDS - 60, FakeEntra.TOKEN_LIFETIME_SECONDS);
        assertThat(body.getString("scope")).isEqualTo(VAULT);
    }

    @Test
    void msiToken_forEachSpellingOfTheResource_servesTheMatchingToken() {
        String vault = entra.accepted(VAULT).get(0).accessToken();
        String sql = entra.accepted(SQL).get(0).accessToken();
        Map<String, String> expected = Map.of(
                "https://vault.azure.net", vault,
                "https://vault.azure.net/", vault,
                "vault", vault,
                "https://database.windows.net/", sql,
                "https://database.windows.net", sql);
        expected.forEach((resource, token) -> {
            JsonPath body = given().header("X-IDENTITY-HEADER", CALLER_SECRET).queryParam("api-version", "2019-08-01")
                    .queryParam("resource", resource).get("/msi/token")
                    .then().statusCode(200).header("Cache-Control", "no-store").extract().jsonPath();
            assertThat(body.getString("access_token")).as(resource).isEqualTo(token);
            assertThat(body.getString("resource")).isEqualTo(resource);
            assertThat(body.getString("client_id")).isEqualTo(BASIC_APP);
            assertThat((Object) body.get("expires_on")).isInstanceOf(String.class);
            assertThat((Object) body.get("expires_in")).isInstanceOf(String.class);
            assertThat(body.getString("expires_on")).matches("\\d{10}");
        });
    }

    @Test
    void imdsToken_forAzureSqlWithAndWithoutItsSlash_servesTheSqlToken() {
        String sql = entra.accepted(SQL).get(0).accessToken();
        for (String resource : List.of("https://database.windows.net/", "https://database.windows.net")) {
            JsonPath body = given().header("Metadata", "true").header("X-IDENTITY-HEADER", CALLER_SECRET)
                    .queryParam("api-version", "2018-02-01").queryParam("resource", resource)
                    .get("/metadata/identity/oauth2/token").then().statusCode(200).extract().jsonPath();
            assertThat(body.getString("access_token")).isEqualTo(sql);
            assertThat(body.getString("token_type")).isEqualTo("Bearer");
            assertThat(body.getString("refresh_token")).isEmpty();
            assertThat((Object) body.get("not_before")).isInstanceOf(String.class);
        }
    }

    @Test
    void azureEndpoints_withATrailingSlash_asMsalNodeSendsThem_serveTheToken() {
        String vault = entra.accepted(VAULT).get(0).accessToken();
        given().header("X-IDENTITY-HEADER", CALLER_SECRET).queryParam("api-version", "2019-08-01")
                .queryParam("resource", "https://vault.azure.net").get("/msi/token/")
                .then().statusCode(200).body("access_token", equalTo(vault));
        given().header("Metadata", "true").header("X-IDENTITY-HEADER", CALLER_SECRET).queryParam("api-version", "2018-02-01")
                .queryParam("resource", "https://vault.azure.net").get("/metadata/identity/oauth2/token/")
                .then().statusCode(200).body("access_token", equalTo(vault));
    }

    @Test
    void imdsToken_whenCallersAreConfigured_needsTheCallerSecretThatSdksCannotSend() {
        given().header("Metadata", "true").queryParam("api-version", "2018-02-01").queryParam("resource", "https://vault.azure.net")
                .get("/metadata/identity/oauth2/token").then().statusCode(401).body("error", equalTo("invalid_caller"));
    }

    @Test
    void msiToken_whenResourceIsAScopeOrUnknown_answers400SoSdksDoNotRetry() {
        for (String resource : List.of(VAULT, "https://storage.azure.com.evil.example")) {
            given().header("X-IDENTITY-HEADER", CALLER_SECRET).queryParam("api-version", "2019-08-01").queryParam("resource", resource)
                    .get("/msi/token").then().statusCode(400)
                    .body("error", equalTo("invalid_resource"))
                    .body("error_description", startsWith("no configured resource matches resource=" + resource));
        }
    }

    @Test
    void msiToken_withoutTheCallerSecret_answers401() {
        given().header("X-IDENTITY-HEADER", "not-the-caller-secret").queryParam("api-version", "2019-08-01")
                .queryParam("resource", "https://vault.azure.net").get("/msi/token")
                .then().statusCode(401).body("error", equalTo("invalid_caller"));
    }

    @Test
    void resources_showEntraIdentitiesAndScopes() {
        JsonPath list = broker().get("/v1/resources").then().statusCode(200).extract().jsonPath();

        assertThat(list.getString("resources.find { it.name == 'sql' }.identity")).isEqualTo("basic");
        assertThat(list.getString("resources.find { it.name == 'sql' }.client_id")).isEqualTo(BASIC_APP);
        assertThat(list.getList("resources.find { it.name == 'sql' }.scopes", String.class)).containsExactly(SQL);
        assertThat(list.getString("resources.find { it.name == 'graph' }.state")).isEqualTo("fresh");
    }

    static RequestSpecification broker() {
        return given().header("Metadata", "true").header("X-IDENTITY-HEADER", CALLER_SECRET);
    }
}
