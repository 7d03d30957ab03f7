package tokenbroker.azure;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static tokenbroker.azure.support.ContosoTenant.CALLER_SECRET;
import static tokenbroker.azure.support.ContosoTenant.SECRET_ID;
import static tokenbroker.azure.support.ContosoTenant.SERVICEBUS;
import static tokenbroker.azure.support.ContosoTenant.WRONG_APP;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.azure.support.ContosoTenant;
import tokenbroker.azure.support.FakeEntra;
import tokenbroker.azure.support.InjectFakeEntra;

/**
 * An operator pasted the Secret ID instead of the secret's Value: Entra answers AADSTS7000215, and every place an
 * operator or a caller looks shows the code and the broker's hint (SPEC §3.1, §4, §6): {@code /v1/resources},
 * readiness data on the management port, the native API's 502, and a 400 on the Azure endpoints (a permanent
 * problem, which the SDKs must not retry). None of this asks Entra again.
 */
@QuarkusTest
@WithTestResource(ContosoTenant.class)
class EntraRejectedSecretTests {

    /** The hint of {@code tokenbroker.idp.EntraErrors} for AADSTS7000215. */
    static final String HINT = "invalid client secret: give the secret's Value, not its Secret ID, and check it belongs to this app";

    @InjectFakeEntra
    FakeEntra entra;

    // The management URL already ends in the root path /q.
    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    private int requestsBefore;

    @BeforeEach
    void firstAttemptRefused() {
        // The start-up request may still be running: this waits for it and sees its outcome.
        EntraSecretTests.broker().get("/v1/tokens/servicebus").then().statusCode(502);
        assertThat(entra.exchanges()).filteredOn(e -> SERVICEBUS.equals(e.scope())).isNotEmpty().allSatisfy(e -> {
            assertThat(e.clientId()).isEqualTo(WRONG_APP);
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.aadsts()).isEqualTo(7000215);
        });
        requestsBefore = servicebusRequests();
    }

    @Test
    void resources_showFailingWithTheCodeAndHint() {
        JsonPath list = EntraSecretTests.broker().get("/v1/resources").then().statusCode(200).extract().jsonPath();

        assertThat(list.getString("resources.find { it.name == 'servicebus' }.state")).isEqualTo("failing");
        assertThat(list.getString("resources.find { it.name == 'servicebus' }.last_error"))
                .contains("invalid_client", "AADSTS7000215", "Invalid client secret provided", "trace_id=", "correlation_id=", HINT)
                .doesNotContain("Trace ID:", "\r", "\n");
        assertThat(servicebusRequests()).isEqualTo(requestsBefore);
    }

    @Test
    void readiness_isDownWithTheHintInItsData() {
        String body = given().get(ready).then().statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'tokens' }.data.servicebus", equalTo("failing"))
                .body("checks.find { it.name == 'tokens' }.data.vault", equalTo("fresh"))
                .extract().asString();

        assertThat(body).contains("AADSTS7000215", HINT).doesNotContain(SECRET_ID, CALLER_SECRET);
        assertThat(servicebusRequests()).isEqualTo(requestsBefore);
    }

    @Test
    void nativeToken_answers502WithTheCodeAndHint_andNoSecret() {
        String body = EntraSecretTests.broker().get("/v1/tokens/servicebus").then().statusCode(502)
                .body("error", equalTo("idp_error"))
                .body("error_description", containsString("AADSTS7000215"))
                .body("error_description", containsString(HINT))
                .body("error_description", not(containsString(SECRET_ID)))
                .extract().asString();

        assertThat(body).doesNotContain(SECRET_ID).doesNotContain("access_token");
        assertThat(servicebusRequests()).isEqualTo(requestsBefore);
    }

    @Test
    void azureEndpoints_answer400WithTheHint_soSdksFailAtOnce() {
        given().header("X-IDENTITY-HEADER", CALLER_SECRET).queryParam("api-version", "2019-08-01")
                .queryParam("resource", "https://servicebus.azure.net").get("/msi/token")
                .then().statusCode(400)
                .body("error", equalTo("idp_error"))
                .body("error_description", containsString("AADSTS7000215"))
                .body("error_description", containsString(HINT));
        given().header("Metadata", "true").header("X-IDENTITY-HEADER", CALLER_SECRET).queryParam("api-version", "2018-02-01")
                .queryParam("resource", "https://servicebus.azure.net/").get("/metadata/identity/oauth2/token")
                .then().statusCode(400)
                .body("error_description", containsString(HINT));
        assertThat(servicebusRequests()).isEqualTo(requestsBefore);
    }

    private int servicebusRequests() {
        return (int) entra.exchanges().stream().filter(e -> SERVICEBUS.equals(e.scope())).count();
    }
}
