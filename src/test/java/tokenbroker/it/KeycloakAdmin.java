package tokenbroker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the tests ask Keycloak directly, as a resource server or an operator would: introspection (client
 * {@code introspector}), the realm's login events (the same client's service account may read them), a client
 * secret rotation (the master realm's {@code admin}), and plain token requests. Thread-safe.
 */
final class KeycloakAdmin {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    private final String tokenUrl;

    KeycloakAdmin(Map<String, String> env) {
        this(env.get("KEYCLOAK_URL"), env.get("KEYCLOAK_TOKEN_URL"));
    }

    private KeycloakAdmin(String url, String tokenUrl) {
        this.url = url;
        this.tokenUrl = tokenUrl;
    }

    static KeycloakAdmin current() {
        return new KeycloakAdmin(KeycloakScript.env());
    }

    /**
     * The same Keycloak asked through 127.0.0.1:{@code port} (the outage relay): Keycloak names its tokens' issuer
     * after the address it was asked at, and calls a token of another issuer inactive.
     */
    KeycloakAdmin through(int port) {
        String here = ":" + KeycloakScript.env().get("KEYCLOAK_PORT");
        return new KeycloakAdmin(url.replace(here, ":" + port), tokenUrl.replace(here + "/", ":" + port + "/"));
    }

    /** Keycloak's introspection answer for {@code token}, as the introspector client sees it. */
    JsonNode introspect(String token) {
        HttpResponse<String> response = send(form(url + "/realms/broker/protocol/openid-connect/token/introspect",
                Map.of("token", token)).header("Authorization", basic("introspector", "introspector-secret")));
        return json(expect(200, response, "introspection"));
    }

    /** When each successful client-credentials grant of {@code clientId} happened, newest first. */
    List<Instant> clientLogins(String clientId) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url
                + "/admin/realms/broker/events?type=CLIENT_LOGIN&max=10000&client=" + encode(clientId)))
                .header("Authorization", "Bearer " + token("introspector", "introspector-secret")).GET());
        List<Instant> times = new ArrayList<>();
        for (JsonNode event : json(expect(200, response, "events"))) {
            times.add(Instant.ofEpochMilli(event.path("time").asLong()));
        }
        return times;
    }

    /** Regenerates the secret of {@code clientId} in Keycloak and returns the new one. */
    String rotateSecret(String clientId) {
        String admin = adminToken();
        HttpResponse<String> rotated = send(HttpRequest.newBuilder(URI.create(clientUrl(admin, clientId) + "/client-secret"))
                .header("Authorization", admin).POST(HttpRequest.BodyPublishers.noBody()));
        return json(expect(200, rotated, "secret rotation")).path("value").asText();
    }

    /**
     * Sets the secret of {@code clientId} back to {@code secret}: Keycloak is started once per run, and the next
     * broker launch copies the secret that {@code keycloak.sh} rendered into the realm.
     */
    void restoreSecret(String clientId, String secret) {
        String admin = adminToken();
        String body = "{\"secret\":\"" + secret + "\"}";
        HttpResponse<String> put = send(HttpRequest.newBuilder(URI.create(clientUrl(admin, clientId)))
                .header("Authorization", admin).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
        expect(204, put, "secret restore");
    }

    private String adminToken() {
        HttpResponse<String> token = send(form(url + "/realms/master/protocol/openid-connect/token",
                Map.of("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", "admin")));
        return "Bearer " + json(expect(200, token, "admin token")).path("access_token").asText();
    }

    private String clientUrl(String admin, String clientId) {
        HttpResponse<String> clients = send(HttpRequest.newBuilder(URI.create(url + "/admin/realms/broker/clients?clientId="
                + encode(clientId))).header("Authorization", admin).GET());
        return url + "/admin/realms/broker/clients/" + json(expect(200, clients, "client lookup")).path(0).path("id").asText();
    }

    /** A client-credentials grant straight at Keycloak: the HTTP status and the body (a token or an OAuth error). */
    HttpResponse<String> grant(String clientId, String secret) {
        return send(form(tokenUrl, Map.of("grant_type", "client_credentials"))
                .header("Authorization", basic(clientId, secret)));
    }

    /** The claims of a JWT, without checking its signature (Keycloak's introspection does that). */
    static JsonNode claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a JWT: " + parts.length + " parts");
        }
        return json(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String token(String clientId, String secret) {
        HttpResponse<String> response = grant(clientId, secret);
        return json(expect(200, response, "token of " + clientId)).path("access_token").asText();
    }

    private static HttpRequest.Builder form(String target, Map<String, String> fields) {
        String body = new LinkedHashMap<>(fields).entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue())).collect(Collectors.joining("&"));
        return HttpRequest.newBuilder(URI.create(target)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("keycloak-it: request to Keycloak failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String expect(int status, HttpResponse<String> response, String what) {
        if (response.statusCode() != status) {
            throw new AssertionError("keycloak-it: " + what + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((encode(user) + ":" + encode(password)).getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
