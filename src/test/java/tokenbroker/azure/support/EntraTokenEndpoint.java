package tokenbroker.azure.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of Entra's v2.0 token endpoint for the client credentials grant, as a WireMock transformer of
 * {@link FakeEntra}. Checks in Entra's order and refuses at the first problem with Entra's status, error, AADSTS
 * code and body:
 * <ol>
 * <li>POST (AADSTS900561), a known tenant in the path (AADSTS90002), a form body, no field twice (AADSTS9000411);
 * <li>{@code grant_type=client_credentials} (AADSTS900144, 70003);
 * <li>a {@code client_id} (form, or the user of a Basic header) registered in that tenant (AADSTS700016);
 * <li>one {@code scope}, {@code <resource>/.default} (AADSTS1002012, 28000), for a resource of the tenant (AADSTS500011);
 * <li>exactly one credential (AADSTS7000218): the app's secret, posted or in a Basic header (AADSTS7000215); a
 * certificate assertion ({@link EntraAssertionCheck}); or the federated assertion, byte for byte (AADSTS70021).
 * </ol>
 * Answers are written by {@link EntraResponses}.
 */
final class EntraTokenEndpoint implements ResponseDefinitionTransformerV2 {

    static final String NAME = "fake-entra-token-endpoint";
    static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static final Pattern PATH = Pattern.compile("/([^/]+)/oauth2/v2\\.0/token");

    /** What a request showed, filled in as the checks go; one per request, on the serving thread. */
    static final class Seen {
        String tenant;
        String clientId;
        String auth;
        String scope;
        String resource;
        final List<String> fields = new ArrayList<>();
        Map<String, Object> assertionHeader = Map.of();
        Map<String, Object> assertionClaims = Map.of();
    }

    private final FakeEntra entra;
    private final ObjectMapper json = new ObjectMapper();
    private final EntraResponses responses;
    private final EntraAssertionCheck assertions = new EntraAssertionCheck(json);

    EntraTokenEndpoint(FakeEntra entra) {
        this.entra = entra;
        this.responses = new EntraResponses(json, entra);
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        LoggedRequest request = event.getRequest();
        Seen seen = new Seen();
        String correlation = request.containsHeader("client-request-id") ? request.getHeader("client-request-id")
                : UUID.randomUUID().toString();
        // Entra's own clock: the broker's tests use the real one too.
        Instant now = Instant.now();
        try {
            FakeEntra.App app = check(request, seen, now);
            String token = responses.accessToken(app, seen.resource, seen.auth, now);
            entra.record(new FakeEntra.Exchange(seen.tenant, seen.clientId, seen.auth, seen.scope, List.copyOf(seen.fields),
                    seen.assertionHeader, seen.assertionClaims, 200, null, 0, null, token));
            return responses.token(token, correlation);
        } catch (EntraRejection r) {
            entra.record(new FakeEntra.Exchange(seen.tenant, seen.clientId, seen.auth, seen.scope, List.copyOf(seen.fields),
                    seen.assertionHeader, seen.assertionClaims, r.status(), r.error(), r.code(), r.getMessage(), null));
            return responses.error(r, correlation, now);
        }
    }

    private FakeEntra.App check(LoggedRequest request, Seen seen, Instant now) {
        if (!request.getMethod().getName().equals("POST")) {
            throw EntraRejection.invalidRequest(900561, "The endpoint only accepts POST requests. Received a "
                    + request.getMethod().getName() + " request.");
        }
        Matcher path = PATH.matcher(request.getUrl().replaceFirst("\\?.*", ""));
        seen.tenant = path.matches() ? path.group(1) : null;
        Set<String> resources = seen.tenant == null ? null : entra.resources(seen.tenant);
        if (resources == null) {
            throw EntraRejection.invalidRequest(90002, "Tenant '" + seen.tenant + "' not found. Check to make sure you have the"
                    + " correct tenant ID and are signing into the correct cloud.");
        }
        String type = request.getHeader("Content-Type");
        if (type == null || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
            throw EntraRejection.missing("grant_type");
        }
        Map<String, String> form = form(request.getBodyAsString(), seen);
        String grant = form.get("grant_type");
        if (grant == null) {
            throw EntraRejection.missing("grant_type");
        }
        if (!grant.equals("client_credentials")) {
            throw new EntraRejection(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '" + grant + "'.");
        }
        String[] basic = basic(request.getHeader("Authorization"));
        seen.clientId = basic != null ? basic[0] : form.get("client_id");
        if (seen.clientId == null) {
            throw EntraRejection.missing("client_id");
        }
        if (basic != null && form.containsKey("client_id") && !form.get("client_id").equals(basic[0])) {
            throw EntraRejection.invalidRequest(9002313, "Invalid request. Request is malformed or invalid. (client_id in the form"
                    + " and in the Basic header differ)");
        }
        FakeEntra.App app = entra.app(seen.tenant, seen.clientId);
        if (app == null) {
            throw new EntraRejection(400, "unauthorized_client", 700016, "Application with identifier '" + seen.clientId
                    + "' was not found in the directory '" + seen.tenant + "'. This can happen if the application has not been"
                    + " installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent"
                    + " your authentication request to the wrong tenant.");
        }
        seen.resource = checkScope(form.get("scope"), seen, resources);
        checkCredential(form, basic, app, seen, request.getAbsoluteUrl().replaceFirst("\\?.*", ""), now);
        return app;
    }

    private String checkScope(String scope, Seen seen, Set<String> resources) {
        seen.scope = scope;
        if (scope == null || scope.isBlank()) {
            throw EntraRejection.missing("scope");
        }
        if (scope.strip().contains(" ")) {
            throw new EntraRejection(400, "invalid_scope", 28000, "Provided value for the input parameter scope is not valid because"
                    + " it contains more than one resource. Scope " + scope + " is not valid.");
        }
        if (!scope.endsWith("/.default")) {
            throw new EntraRejection(400, "invalid_scope", 1002012, "The provided value for scope " + scope + " is not valid. Client"
                    + " credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
        }
        String resource = scope.substring(0, scope.length() - "/.default".length());
        if (!resources.contains(withoutTrailingSlashes(resource))) {
            throw new EntraRejection(400, "invalid_resource", 500011, "The resource principal named " + resource + " was not found in"
                    + " the tenant named " + seen.tenant + ". This can happen if the application has not been installed by the"
                    + " administrator of the tenant or consented to by any user in the tenant. You might have sent your"
                    + " authentication request to the wrong tenant.");
        }
        return resource;
    }

    private void checkCredential(Map<String, String> form, String[] basic, FakeEntra.App app, Seen seen, String tokenUrl, Instant now) {
        int presented = (basic != null ? 1 : 0) + (form.containsKey("client_secret") ? 1 : 0) + (form.containsKey("client_assertion") ? 1 : 0);
        if (presented == 0) {
            throw EntraRejection.invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion'"
                    + " or 'client_secret'.");
        }
        if (presented > 1) {
            throw EntraRejection.invalidRequest(9002313, "Invalid request. Request is malformed or invalid. (more than one client"
                    + " credential)");
        }
        if (!form.containsKey("client_assertion")) {
            seen.auth = basic != null ? "client_secret_basic" : "client_secret_post";
            String secret = basic != null ? basic[1] : form.get("client_secret");
            // RFC 6749 §2.3.1 wants the Basic user and password form-encoded; clients that skip it pass as long as the
            // secret has no character that form-decoding changes (Entra's current secrets have none).
            boolean matches = app.secret() != null && (app.secret().equals(secret) || basic != null && app.secret().equals(basic[2]));
            if (!matches) {
                throw EntraRejection.invalidClient(7000215, "Invalid client secret provided. Ensure the secret being sent in the request"
                        + " is the client secret value, not the client secret ID, for a secret added to app '" + app.clientId() + "'.");
            }
            return;
        }
        String assertionType = form.get("client_assertion_type");
        if (assertionType == null) {
            throw EntraRejection.missing("client_assertion_type");
        }
        if (!assertionType.equals(JWT_BEARER)) {
            throw EntraRejection.invalidRequest(9002313, "Invalid request. Request is malformed or invalid. (client_assertion_type is '"
                    + assertionType + "')");
        }
        String assertion = form.get("client_assertion");
        if (!app.federatedAssertions().isEmpty()) {
            seen.auth = "federated";
            if (!app.federatedAssertions().contains(assertion)) {
                throw EntraRejection.invalidRequest(70021, "No matching federated identity record found for presented assertion.");
            }
            return;
        }
        seen.auth = "private_key_jwt";
        if (app.certificate() == null) {
            throw EntraRejection.invalidClient(700027, "Client assertion contains an invalid signature. [Reason - The key was not found.]");
        }
        assertions.check(assertion, app, tokenUrl, now, seen);
    }

    /** The form fields; a field sent twice is refused, as Entra does (and as a second {@code scope} would be). */
    private static Map<String, String> form(String body, Seen seen) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body == null ? new String[0] : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            seen.fields.add(name);
            if (form.put(name, value) != null) {
                throw EntraRejection.invalidRequest(9000411, "The request is not properly formatted. The parameter '" + name
                        + "' is duplicated.");
            }
        }
        return form;
    }

    /** {@code [client id, secret as sent, secret form-decoded]} of a Basic header, or {@code null} when there is none. */
    private static String[] basic(String header) {
        if (header == null) {
            return null;
        }
        String decoded = null;
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                decoded = null;
            }
        }
        if (decoded == null || decoded.indexOf(':') < 1) {
            throw EntraRejection.invalidClient(9002313, "Invalid request. Request is malformed or invalid. (Authorization header)");
        }
        int colon = decoded.indexOf(':');
        String user = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
        String secret = decoded.substring(colon + 1);
        return new String[] { user, secret, URLDecoder.decode(secret, StandardCharsets.UTF_8) };
    }

    static String withoutTrailingSlashes(String resource) {
        return resource.replaceAll("/+$", "");
    }
}
