package tokenbroker.azure;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.azure.support.ContosoTenant.ARM;
import static tokenbroker.azure.support.ContosoTenant.CALLER_SECRET;
import static tokenbroker.azure.support.ContosoTenant.P12_APP;
import static tokenbroker.azure.support.ContosoTenant.PEM_APP;
import static tokenbroker.azure.support.ContosoTenant.STORAGE;
import static tokenbroker.azure.support.ContosoTenant.TENANT;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.azure.support.ContosoTenant;
import tokenbroker.azure.support.FakeEntra;
import tokenbroker.azure.support.InjectFakeEntra;
import tokenbroker.azure.support.TestCertificates;

/**
 * Certificates at Entra (SPEC §5): from PEM files and from a PKCS#12 key store, the broker signs a new PS256
 * assertion for every request whose signature verifies with the certificate uploaded to the app registration,
 * names it by {@code x5t#S256} (and {@code x5t}), is addressed to the token URL and sent with {@code client_id}.
 */
@QuarkusTest
@WithTestResource(ContosoTenant.class)
class EntraCertificateTests {

    @InjectFakeEntra
    FakeEntra entra;

    @InjectFakeEntra
    Path dir;

    private X509Certificate registered;

    @BeforeEach
    void tokensFetchedAtStartup() throws Exception {
        registered = TestCertificates.readPem(dir.resolve(ContosoTenant.CERTIFICATE_PEM));
        for (String resource : List.of("storage", "arm")) {
            EntraSecretTests.broker().get("/v1/tokens/" + resource).then().statusCode(200);
        }
    }

    @Test
    void assertion_fromPemAndFromPkcs12_isWhatEntraAccepts() {
        Map<String, String> clientIds = Map.of(STORAGE, PEM_APP, ARM, P12_APP);
        clientIds.forEach((scope, clientId) -> {
            FakeEntra.Exchange first = entra.accepted(scope).get(0);
            assertThat(first.clientId()).isEqualTo(clientId);
            assertThat(first.auth()).isEqualTo("private_key_jwt");
            assertThat(first.formFields())
                    .containsExactlyInAnyOrder("grant_type", "scope", "client_id", "client_assertion_type", "client_assertion");
            assertThat(first.assertionHeader())
                    .containsEntry("alg", "PS256")
                    .containsEntry("x5t#S256", TestCertificates.thumbprint(registered, "SHA-256"))
                    .containsEntry("x5t", TestCertificates.thumbprint(registered, "SHA-1"))
                    .doesNotContainKey("kid");
            Map<String, Object> claims = first.assertionClaims();
            assertThat(claims).containsEntry("iss", clientId).containsEntry("sub", clientId)
                    .containsEntry("aud", entra.tokenUrl(TENANT))
                    .containsKeys("jti", "iat", "nbf", "exp");
            long lifetime = ((Number) claims.get("exp")).longValue() - ((Number) claims.get("iat")).longValue();
            assertThat(lifetime).isPositive().isLessThanOrEqualTo(600);
        });
    }

    @Test
    void forceRefresh_signsANewAssertion_withANewJti() {
        String before = EntraSecretTests.broker().get("/v1/tokens/storage").then().extract().path("access_token");
        int requests = entra.accepted(STORAGE).size();

        String after = EntraSecretTests.broker().queryParam("force_refresh", "true").get("/v1/tokens/storage")
                .then().statusCode(200).extract().path("access_token");

        List<FakeEntra.Exchange> accepted = entra.accepted(STORAGE);
        assertThat(accepted).hasSize(requests + 1);
        assertThat(after).isNotEqualTo(before).isEqualTo(accepted.get(accepted.size() - 1).accessToken());
        assertThat(accepted.stream().map(e -> e.assertionClaims().get("jti")).distinct()).hasSize(accepted.size());
    }

    @Test
    void msiToken_forAnAudienceWithATrailingSlash_comesFromTheCertificateIdentity() {
        JsonPath body = given().header("X-IDENTITY-HEADER", CALLER_SECRET).queryParam("api-version", "2019-08-01")
                .queryParam("resource", "https://management.azure.com/").get("/msi/token").then().statusCode(200).extract().jsonPath();

        assertThat(body.getString("client_id")).isEqualTo(P12_APP);
        assertThat(body.getString("access_token")).isEqualTo(entra.accepted(ARM).get(entra.accepted(ARM).size() - 1).accessToken());
    }
}
