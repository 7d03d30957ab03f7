package tokenbroker.idp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntraErrorsTests {

    private static final String TRACE = "0f5c0a43-6a2e-4b0c-9d8e-1a2b3c4d5e00";
    private static final String CORRELATION = "3e5a1f2b-7c8d-4e9f-a0b1-c2d3e4f5a6b7";

    @Test
    void explain_entraInvalidSecret_givesCodeHintAndIds() {
        JsonObject json = new JsonObject(IdpErrorClassifierTests.ENTRA_7000215);

        AcquireFailure.Rejected rejected = explain(json);

        assertThat(rejected.error()).isEqualTo("invalid_client AADSTS7000215");
        assertThat(rejected.description())
                .startsWith("Invalid client secret provided.")
                .doesNotContain("Trace ID:", "Timestamp:")
                .endsWith("'9d6f7a4e-2b1c-4a3e-8f0d-5c6b7a8e9f01'. [trace_id=" + TRACE + ", correlation_id=" + CORRELATION + "]");
        assertThat(rejected.hint()).isEqualTo(
                "invalid client secret: give the secret's Value, not its Secret ID, and check it belongs to this app");
        assertThat(rejected.describe()).isEqualTo(rejected.error() + ": " + rejected.description() + " (hint: " + rejected.hint() + ")");
    }

    @Test
    void explain_everyHintCode_givesItsHint() {
        Map<Integer, String> hints = Map.of(
                7000215, "invalid client secret",
                7000222, "the client secret has expired",
                700016, "the application was not found in the tenant",
                700027, "upload this certificate to the app registration",
                700024, "outside its validity window",
                70011, "a daemon app asks for '<resource>/.default'",
                500011, "the resource is not in this tenant",
                50001, "the resource is not in this tenant");
        hints.forEach((code, hint) -> {
            JsonObject json = entra("invalid_client", "AADSTS" + code + ": something went wrong.", code);

            AcquireFailure.Rejected rejected = explain(json);

            assertThat(rejected.error()).as("AADSTS%d", code).isEqualTo("invalid_client AADSTS" + code);
            assertThat(rejected.hint()).as("AADSTS%d", code).contains(hint);
        });
    }

    @Test
    void explain_codeOnlyInDescription_isFoundThere() {
        JsonObject json = new JsonObject().put("error", "invalid_scope")
                .put("error_description", "AADSTS70011: The provided request must include a 'scope' input parameter.");

        AcquireFailure.Rejected rejected = explain(json);

        assertThat(rejected.error()).isEqualTo("invalid_scope AADSTS70011");
        assertThat(rejected.hint()).contains("'<resource>/.default'");
        assertThat(rejected.description()).isEqualTo("The provided request must include a 'scope' input parameter.");
    }

    @Test
    void explain_longerCodeIsNotMistakenForAShorterOne() {
        AcquireFailure.Rejected rejected = explain(new JsonObject().put("error", "invalid_resource")
                .put("error_description", "AADSTS500011: The resource principal named api://orders was not found in the tenant."));

        assertThat(rejected.error()).isEqualTo("invalid_resource AADSTS500011");
    }

    @Test
    void explain_codeOnlyInErrorCodes_isFoundThere() {
        JsonObject json = entra("unauthorized_client", "The client is not allowed.", 700016);

        assertThat(explain(json)).extracting(AcquireFailure.Rejected::error, r -> r.hint() != null)
                .containsExactly("unauthorized_client AADSTS700016", true);
    }

    @Test
    void explain_nonNumericErrorCodes_fallBackToTheDescription() {
        JsonObject json = new JsonObject().put("error", "invalid_client")
                .put("error_description", "AADSTS7000222: The provided client secret keys are expired.")
                .put("error_codes", new JsonArray().add("oops"));

        assertThat(explain(json).error()).isEqualTo("invalid_client AADSTS7000222");
    }

    @Test
    void explain_unknownCode_hasNoHint() {
        AcquireFailure.Rejected rejected = explain(entra("invalid_request", "AADSTS90002: Tenant 'x' not found.", 90002));

        assertThat(rejected.error()).isEqualTo("invalid_request AADSTS90002");
        assertThat(rejected.hint()).isNull();
        assertThat(rejected.describe()).doesNotContain("hint");
    }

    @Test
    void explain_authorizationRequestDenied_hintsAtConsent() {
        AcquireFailure.Rejected rejected = explain(new JsonObject().put("error", "Authorization_RequestDenied")
                .put("error_description", "Insufficient privileges to complete the operation."));

        assertThat(rejected.hint()).isEqualTo("admin consent is missing: grant the application permissions in the tenant");
    }

    @Test
    void explain_nonEntraError_isPassedThrough() {
        AcquireFailure.Rejected rejected = EntraErrors.explain("invalid_client", "Invalid client or Invalid client credentials", null);

        assertThat(rejected).isEqualTo(new AcquireFailure.Rejected("invalid_client", "Invalid client or Invalid client credentials", null));
    }

    @Test
    void explain_onlyTraceId_showsOnlyTheTraceId() {
        JsonObject json = new JsonObject().put("error", "invalid_client").put("trace_id", TRACE);

        assertThat(explain(json).description()).isEqualTo("[trace_id=" + TRACE + "]");
    }

    /** As {@link IdpErrorClassifier} calls it: with the description already cleaned. */
    private static AcquireFailure.Rejected explain(JsonObject json) {
        return EntraErrors.explain(IdpErrorClassifier.text(json.getValue("error")),
                IdpErrorClassifier.text(json.getValue("error_description")), json);
    }

    private static JsonObject entra(String error, String description, int code) {
        return new JsonObject().put("error", error)
                .put("error_description", description + "\r\nTrace ID: " + TRACE + "\r\nCorrelation ID: " + CORRELATION
                        + "\r\nTimestamp: 2025-11-24 10:15:42Z")
                .put("error_codes", new JsonArray().add(code))
                .put("timestamp", "2025-11-24 10:15:42Z")
                .put("trace_id", TRACE)
                .put("correlation_id", CORRELATION);
    }
}
