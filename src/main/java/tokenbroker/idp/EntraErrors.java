package tokenbroker.idp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an OAuth error answer into a {@link AcquireFailure.Rejected}, adding for Microsoft Entra's common
 * {@code AADSTS} codes a one-line hint that tells an operator what to fix.
 */
final class EntraErrors {

    private static final Pattern AADSTS = Pattern.compile("AADSTS(\\d+)");
    private static final Map<String, String> HINTS = Map.of(
            "7000215", "invalid client secret: give the secret's Value, not its Secret ID, and check it belongs to this app",
            "7000222", "the client secret has expired: create a new one in the app registration and update the secret file",
            "700016", "the application was not found in the tenant: check client-id and tenant-id, and that an admin consented",
            "700027", "the assertion's signature or certificate is not accepted: upload this certificate to the app registration",
            "700024", "the client assertion is outside its validity window: check the node's clock, or a stale federated token file",
            "70011", "invalid scope: a daemon app asks for '<resource>/.default'",
            "500011", "the resource is not in this tenant: check the scope's resource URI and that an admin consented",
            "50001", "the resource is not in this tenant: check the scope's resource URI and that an admin consented");

    private EntraErrors() {
    }

    static AcquireFailure.Rejected explain(String error, String description, JsonObject json) {
        String code = entraCode(description, json);
        String hint = code == null ? null : HINTS.get(code);
        if (hint == null && "Authorization_RequestDenied".equals(error)) {
            hint = "admin consent is missing: grant the application permissions in the tenant";
        }
        String shown = code == null ? error : error + " AADSTS" + code;
        String trace = json == null ? null : IdpErrorClassifier.text(json.getValue("trace_id"));
        String correlation = json == null ? null : IdpErrorClassifier.text(json.getValue("correlation_id"));
        String detail = description;
        if (detail != null) {
            // Entra appends "Trace ID: ... Correlation ID: ... Timestamp: ..." on new lines: keep the first sentence.
            int cut = detail.indexOf(" Trace ID:");
            detail = cut > 0 ? detail.substring(0, cut).strip() : detail;
            // The code already stands in front ("invalid_client AADSTS7000215"): do not say it twice.
            if (code != null && detail.startsWith("AADSTS" + code + ":")) {
                detail = detail.substring(("AADSTS" + code + ":").length()).strip();
            }
        }
        if (trace != null || correlation != null) {
            String ids = (trace == null ? "" : "trace_id=" + trace) + (trace != null && correlation != null ? ", " : "")
                    + (correlation == null ? "" : "correlation_id=" + correlation);
            detail = (detail == null ? "" : detail + " ") + "[" + ids + "]";
        }
        return new AcquireFailure.Rejected(shown, detail, hint);
    }

    private static String entraCode(String description, JsonObject json) {
        if (json != null && json.getValue("error_codes") instanceof JsonArray codes && !codes.isEmpty()) {
            Object first = codes.getValue(0);
            if (first instanceof Number n) {
                return Long.toString(n.longValue());
            }
        }
        if (description != null) {
            Matcher m = AADSTS.matcher(description);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }
}
