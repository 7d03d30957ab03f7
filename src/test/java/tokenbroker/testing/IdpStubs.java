package tokenbroker.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Duration;
import java.util.List;

/**
 * The fake IdP's answers. Every test works on its own resources, told apart at the IdP by their {@code scope}
 * form parameter, so that tests sharing one broker do not see each other's requests.
 *
 * <p>Before the broker starts, {@link WireMockIdp} installs the <em>boot stubs</em>: every token request gets a
 * one-hour token, except that a scope starting with {@value #BOOT_503} gets a 503. Such a resource is left
 * empty by the start-up prefetch (one failure, 1 s of backoff), which lets a test decide its first token itself.
 * A test's own stubs ({@link #forScope}) take precedence; among them, the latest wins.
 */
public final class IdpStubs {

    public static final String TOKEN_PATH = "/token";
    /** Scopes with this prefix fail at start-up. */
    public static final String BOOT_503 = "boot503.";
    /** The token path of every identity, Entra's {@code /{tenant}/oauth2/v2.0/token} included. */
    private static final String ANY_TOKEN_PATH = "/(.*/)?token";

    private IdpStubs() {
    }

    static void installBootStubs(WireMockServer server) {
        server.stubFor(post(urlPathMatching(ANY_TOKEN_PATH)).atPriority(10).willReturn(token("boot", 3600)));
        server.stubFor(post(urlPathMatching(ANY_TOKEN_PATH)).atPriority(9)
                .withFormParam("scope", matching(java.util.regex.Pattern.quote(BOOT_503) + ".*"))
                .willReturn(oauthError(503, "temporarily_unavailable", "the fake IdP is starting")));
    }

    /** Token requests for {@code scope}, at any token path; give it a response with {@code willReturn}. */
    public static MappingBuilder forScope(String scope) {
        return post(urlPathMatching(ANY_TOKEN_PATH)).atPriority(1).withFormParam("scope", equalTo(scope));
    }

    /** The requests for {@code scope} at {@code /token}, to {@code verify} or count. */
    public static RequestPatternBuilder requestsFor(String scope) {
        return postRequestedFor(urlEqualTo(TOKEN_PATH)).withFormParam("scope", equalTo(scope));
    }

    /** How many token requests for {@code scope} the fake IdP has received since its journal was last reset. */
    public static int count(WireMockServer idp, String scope) {
        return idp.countRequestsMatching(requestsFor(scope).build()).getCount();
    }

    /** The token requests for {@code scope} at any token path, oldest first. */
    public static List<LoggedRequest> received(WireMockServer idp, String scope) {
        List<LoggedRequest> found = new java.util.ArrayList<>(idp.findAll(
                postRequestedFor(urlPathMatching(ANY_TOKEN_PATH)).withFormParam("scope", equalTo(scope))));
        found.sort(java.util.Comparator.comparing(LoggedRequest::getLoggedDate));
        return found;
    }

    /** Waits (real time) until the fake IdP has received {@code n} requests for {@code scope}. */
    public static void awaitRequests(WireMockServer idp, String scope, int n) {
        Eventually.until(n + " token request(s) for scope " + scope, Duration.ofSeconds(10), () -> count(idp, scope) >= n);
    }

    /** A 200 answer with a new token {@code prefix-<random>} on every request, valid {@code expiresIn} seconds. */
    public static ResponseDefinitionBuilder token(String prefix, long expiresIn) {
        return json(200, "{\"access_token\":\"" + prefix + "-{{randomValue length=20 type='ALPHANUMERIC'}}\","
                + "\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + "}")
                .withTransformers("response-template");
    }

    /** An OAuth error answer. */
    public static ResponseDefinitionBuilder oauthError(int status, String error, String description) {
        return json(status, "{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
    }

    public static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }
}
