package tokenbroker.proxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tokenbroker.cache.TokenCache;
import tokenbroker.testing.AppClock;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.InjectWireMock;

/**
 * DPoP nonces (RFC 9449 §8, §9), which Keycloak never asks for: a token endpoint that answers {@code use_dpop_nonce}
 * gets exactly one more request, whose proof carries its nonce; an upstream that answers {@code 401} with
 * {@code WWW-Authenticate: DPoP error="use_dpop_nonce"} gets one retry with a new proof carrying its nonce, which the
 * route then keeps for later requests; a request with a body is not retried. Routes {@code dpop-nonce} and
 * {@code dpop} of {@link ProxyStack}.
 */
@QuarkusTest
@WithTestResource(ProxyStack.class)
class DpopRouteTest {

    private static final String TOKEN_NONCE_SCOPE = IdpStubs.BOOT_503 + ProxyStack.DPOP_NONCE;
    private static final String ROUTE_SCOPE = IdpStubs.BOOT_503 + ProxyStack.DPOP;
    private static final String NONCE_CHALLENGE = "DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof\"";

    @InjectUpstream
    WireMockServer upstream;

    @InjectWireMock
    WireMockServer idp;

    @Inject
    AppClock clock;

    @Inject
    TokenCache cache;

    @Inject
    ProxyServers servers;

    @AfterEach
    void releaseClock() {
        clock.release();
        upstream.resetAll();
    }

    @Test
    void tokenEndpoint_useDpopNonce_oneMoreRequest_whoseProofCarriesTheNonce() {
        Backoffs.pastBackoff(clock, cache, ProxyStack.DPOP_NONCE);
        idp.stubFor(IdpStubs.forScope(TOKEN_NONCE_SCOPE).inScenario("token-nonce").whenScenarioStateIs(STARTED)
                .willReturn(IdpStubs.oauthError(400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof")
                        .withHeader("DPoP-Nonce", "n1"))
                .willSetStateTo("nonce-given"));
        idp.stubFor(IdpStubs.forScope(TOKEN_NONCE_SCOPE).inScenario("token-nonce").whenScenarioStateIs("nonce-given")
                .willReturn(dpopToken("nonced")));
        idp.resetRequests();
        upstream.stubFor(any(urlPathEqualTo("/base/items")).willReturn(aResponse().withStatus(200).withBody("ok")));

        HttpResponse<String> answer = Routes.get(servers.port("dpop-nonce"), "/items", Map.of());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        List<LoggedRequest> sent = IdpStubs.received(idp, TOKEN_NONCE_SCOPE);
        assertThat(sent).as("token requests").hasSize(2);
        JsonObject first = claims(sent.get(0).getHeader("DPoP"));
        JsonObject second = claims(sent.get(1).getHeader("DPoP"));
        assertThat(first.containsKey("nonce")).as("the first proof has no nonce").isFalse();
        assertThat(second.getString("nonce")).isEqualTo("n1");
        assertThat(second.getString("htm")).isEqualTo("POST");
        assertThat(second.getString("htu")).endsWith(IdpStubs.TOKEN_PATH);
        assertThat(second.getString("jti")).isNotEqualTo(first.getString("jti"));
        LoggedRequest proxied = upstream.findAll(anyRequestedFor(urlPathEqualTo("/base/items"))).get(0);
        assertThat(proxied.getHeader("Authorization")).startsWith("DPoP nonced-");
    }

    @Test
    void upstream401UseDpopNonce_oneRetryWithTheNonce_keptForLaterRequests_noRetryWithABody() throws Exception {
        Backoffs.pastBackoff(clock, cache, ProxyStack.DPOP);
        idp.stubFor(IdpStubs.forScope(ROUTE_SCOPE).willReturn(dpopToken("routed")));
        idp.resetRequests();
        upstream.stubFor(any(urlPathEqualTo("/base/dpop/items")).inScenario("upstream-nonce").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", NONCE_CHALLENGE).withHeader("DPoP-Nonce", "u1")
                        .withBody("nonce please"))
                .willSetStateTo("nonce-given"));
        upstream.stubFor(any(urlPathEqualTo("/base/dpop/items")).inScenario("upstream-nonce").whenScenarioStateIs("nonce-given")
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        int port = servers.port("dpop");

        HttpResponse<String> answer = Routes.get(port, "/dpop/items?page=1", Map.of());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("ok");
        List<LoggedRequest> received = received();
        assertThat(received).hasSize(2);
        JsonObject first = claims(received.get(0).getHeader("DPoP"));
        JsonObject retry = claims(received.get(1).getHeader("DPoP"));
        assertThat(first.containsKey("nonce")).isFalse();
        assertThat(retry.getString("nonce")).isEqualTo("u1");
        assertThat(retry.getString("jti")).isNotEqualTo(first.getString("jti"));
        String token = received.get(1).getHeader("Authorization").substring("DPoP ".length());
        assertThat(received.get(0).getHeader("Authorization")).isEqualTo("DPoP " + token).startsWith("DPoP routed-");
        for (JsonObject proof : List.of(first, retry)) {
            assertThat(proof.getString("htm")).isEqualTo("GET");
            assertThat(proof.getString("htu")).as("htu without the query").isEqualTo("https://127.0.0.1:" + upstream.httpsPort() + "/base/dpop/items");
            assertThat(proof.getString("ath")).isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII))));
        }
        assertThat(IdpStubs.count(idp, ROUTE_SCOPE)).as("a nonce challenge asks for no new token").isEqualTo(1);

        // The route keeps the nonce: the next request's first proof carries it.
        assertThat(Routes.get(port, "/dpop/items", Map.of()).statusCode()).isEqualTo(200);
        received = received();
        assertThat(received).hasSize(3);
        assertThat(claims(received.get(2).getHeader("DPoP")).getString("nonce")).isEqualTo("u1");

        // A request with a body is never sent twice: the upstream's 401 is the answer.
        upstream.setScenarioState("upstream-nonce", STARTED);
        HttpResponse<String> post = Routes.send(Routes.request(port, "/dpop/items").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(post.body()).isEqualTo("nonce please");
        assertThat(received()).hasSize(4);
    }

    private List<LoggedRequest> received() {
        List<LoggedRequest> found = new ArrayList<>(upstream.findAll(anyRequestedFor(urlPathEqualTo("/base/dpop/items"))));
        found.sort(Comparator.comparing(LoggedRequest::getLoggedDate));
        return found;
    }

    /** A DPoP-bound token answer (an opaque token: no {@code cnf} to compare). */
    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder dpopToken(String prefix) {
        return IdpStubs.json(200, "{\"access_token\":\"" + prefix + "-{{randomValue length=20 type='ALPHANUMERIC'}}\","
                + "\"token_type\":\"DPoP\",\"expires_in\":3600}").withTransformers("response-template");
    }

    private static JsonObject claims(String proof) {
        assertThat(proof).as("a DPoP proof").isNotNull();
        return new JsonObject(new String(Base64.getUrlDecoder().decode(proof.split("\\.")[1]), StandardCharsets.UTF_8));
    }
}
