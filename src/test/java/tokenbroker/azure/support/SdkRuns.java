package tokenbroker.azure.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the App Service and the IMDS test of the Azure SDK check alike of one SDK run that asked for Key Vault,
 * Key Vault again, Azure SQL and a resource the broker does not have ({@link #UNKNOWN}).
 */
public final class SdkRuns {

    public static final String UNKNOWN = "https://unknown.contoso.example/.default";

    private SdkRuns() {
    }

    /**
     * The two tokens are the broker's, with its expiry; the second Key Vault call came from the SDK's cache; the
     * unknown resource failed at once (a 400), with the broker's words.
     *
     * @param broker the native API as the broker's callers of that tenant ask it
     */
    public static void tokensCachedAndUnknownRefused(SdkProcess.Result sdk, Supplier<RequestSpecification> broker) {
        sameToken(sdk.call(0), broker, "vault");
        assertThat(sdk.call(1).get("token").asText()).as("second call, from the SDK's cache").isEqualTo(sdk.call(0).get("token").asText());
        sameToken(sdk.call(2), broker, "sql");
        JsonNode unknown = sdk.call(3);
        assertThat(unknown.get("ok").asBoolean()).isFalse();
        assertThat(unknown.get("message").asText())
                .contains("no configured resource matches resource=https://unknown.contoso.example");
        assertThat(unknown.get("millis").asLong()).as("gives up at once on a 400").isLessThan(3000);
    }

    /** The SDK's requests of that run: one GET per resource, none for the cached token, no retry of the 400. */
    public static List<String> requestUris(String path, String apiVersion) {
        String query = path + "?api-version=" + apiVersion + "&resource=";
        return List.of(query + "https%3A%2F%2Fvault.azure.net", query + "https%3A%2F%2Fdatabase.windows.net%2F",
                query + "https%3A%2F%2Funknown.contoso.example");
    }

    /** The SDK's token is the broker's, with the broker's {@code expires_on}. */
    public static void sameToken(JsonNode call, Supplier<RequestSpecification> broker, String resource) {
        assertThat(call.get("ok").asBoolean()).as(call.toString()).isTrue();
        JsonPath brokers = broker.get().get("/v1/tokens/" + resource).then().statusCode(200).extract().jsonPath();
        assertThat(call.get("token").asText()).isEqualTo(brokers.getString("access_token"));
        assertThat(call.get("expires_on").asLong()).isEqualTo(brokers.getLong("expires_on"));
    }
}
