package tokenbroker.proxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.cache.TokenCache;
import tokenbroker.testing.AppClock;
import tokenbroker.testing.FakeClock;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.InjectWireMock;

/**
 * The route's token (SPEC §3.4, §4): one forced refresh and one retry after an upstream {@code 401 invalid_token}
 * for a GET, none for a POST; one IdP request for 200 first requests at once; and with the IdP gone, no request
 * reaches the upstream with a token that has less than {@code min-serve-ttl} (10 s) left, read from each received
 * token's own {@code exp}.
 */
@QuarkusTest
@WithTestResource(ProxyStack.class)
class ProxyTokensTest {

    private static final String INVALID_TOKEN = "Bearer error=\"invalid_token\", error_description=\"The access token expired\"";
    private static final Pattern EXP = Pattern.compile("\"exp\":(\\d+)");

    @InjectUpstream
    WireMockServer upstream;

    @InjectWireMock
    WireMockServer idp;

    /** The application's one clock: held by the tests that walk time, released after each test. */
    @Inject
    AppClock clock;

    @org.junit.jupiter.api.AfterEach
    void releaseClock() {
        clock.release();
    }

    @Inject
    ProxyServers servers;

    @Inject
    TokenCache cache;

    @BeforeEach
    void reset() {
        upstream.resetAll();
    }

    @Test
    void upstream401_onGet_oneRefreshAndOneRetry() {
        upstream.stubFor(get(urlPathEqualTo("/base/retry/get")).atPriority(1).withHeader("Authorization", matching("Bearer boot-.*"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", INVALID_TOKEN)));
        upstream.stubFor(get(urlPathEqualTo("/base/retry/get")).atPriority(2).willReturn(aResponse().withStatus(200).withBody("retried")));
        idp.stubFor(IdpStubs.forScope("proxy.retry").willReturn(IdpStubs.token("fresh", 3600)));
        idp.resetRequests();

        HttpResponse<String> answer = Routes.get(servers.port("retry"), "/retry/get", Map.of());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("retried");
        assertThat(IdpStubs.count(idp, "proxy.retry")).isEqualTo(1);
        List<LoggedRequest> received = sorted(upstream.findAll(anyRequestedFor(urlPathEqualTo("/base/retry/get"))));
        assertThat(received).hasSize(2);
        assertThat(received.get(0).getHeader("Authorization")).startsWith("Bearer boot-");
        assertThat(received.get(1).getHeader("Authorization")).startsWith("Bearer fresh-");
    }

    @Test
    void upstream401_onPost_noRefreshNoRetry_theUpstreamsAnswerPassesThrough() {
        upstream.stubFor(post(urlPathEqualTo("/base/retry/post")).willReturn(aResponse().withStatus(401)
                .withHeader("WWW-Authenticate", INVALID_TOKEN).withBody("{\"upstream\":\"no\"}")));
        idp.resetRequests();

        HttpResponse<String> answer = Routes.send(Routes.request(servers.port("retry-post"), "/retry/post")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}")).build());

        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.body()).isEqualTo("{\"upstream\":\"no\"}");
        assertThat(answer.headers().firstValue(ProxyErrors.MARKER)).isEmpty();
        assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValue(INVALID_TOKEN);
        assertThat(IdpStubs.count(idp, "proxy.retry-post")).isZero();
        assertThat(upstream.findAll(anyRequestedFor(urlPathEqualTo("/base/retry/post")))).hasSize(1);
    }

    @Test
    void firstRequests_200AtOnce_makeOneIdpRequest() throws Exception {
        FakeClock clock = pastBackoff("proxy-first");
        String scope = IdpStubs.BOOT_503 + "proxy-first";
        idp.stubFor(IdpStubs.forScope(scope).willReturn(IdpStubs.token("first", 3600).withFixedDelay(2000)));
        idp.resetRequests();
        upstream.stubFor(get(urlPathMatching("/base/first/.*")).willReturn(aResponse().withStatus(200).withBody("ok")));

        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            answers.add(Routes.CLIENT.sendAsync(Routes.request(servers.port("first"), "/first/" + i).GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
        assertThat(IdpStubs.count(idp, scope)).isEqualTo(1);
        List<LoggedRequest> received = upstream.findAll(anyRequestedFor(urlPathMatching("/base/first/.*")));
        assertThat(received).hasSize(200);
        assertThat(received.stream().map(r -> r.getHeader("Authorization")).distinct()).hasSize(1)
                .allMatch(a -> a.startsWith("Bearer first-"));
        assertThat(clock).isNotNull();
    }

    @Test
    void idpGone_noTokenWithLessThanMinServeTtlReachesTheUpstream() {
        FakeClock clock = pastBackoff("proxy-expiry");
        String scope = IdpStubs.BOOT_503 + "proxy-expiry";
        long issuedAt = clock.instant().getEpochSecond();
        idp.stubFor(IdpStubs.forScope(scope).willReturn(IdpStubs.json(200, "{\"access_token\":\"" + jwt(issuedAt + 60)
                + "\",\"token_type\":\"Bearer\",\"expires_in\":60}")));
        upstream.stubFor(any(urlPathMatching("/base/expiry/.*")).willReturn(aResponse().withStatus(200)));

        Map<String, Long> sentAt = new java.util.HashMap<>();
        List<Integer> statuses = new ArrayList<>();
        for (int second = 0; second <= 70; second++) {
            if (second == 1) {
                // The IdP is gone from now on: the broker has the one token, and serves it while it may.
                idp.stubFor(IdpStubs.forScope(scope).willReturn(IdpStubs.oauthError(503, "temporarily_unavailable", "gone")));
            }
            sentAt.put("/base/expiry/" + second, clock.instant().getEpochSecond());
            HttpResponse<String> answer = Routes.get(servers.port("expiry"), "/expiry/" + second, Map.of());
            statuses.add(answer.statusCode());
            if (answer.statusCode() != 200) {
                ProxyHeadersTest.refused(answer, 503, "temporarily_unavailable");
            }
            clock.advance(Duration.ofSeconds(1));
        }

        List<LoggedRequest> received = upstream.findAll(anyRequestedFor(urlPathMatching("/base/expiry/.*")));
        assertThat(received).hasSize((int) statuses.stream().filter(s -> s == 200).count()).isNotEmpty();
        for (LoggedRequest request : received) {
            long exp = exp(request.getHeader("Authorization").substring("Bearer ".length()));
            long left = exp - sentAt.get(request.getUrl());
            assertThat(left).as(request.getUrl() + " reached the upstream with a token of " + left + " s left").isGreaterThanOrEqualTo(10);
        }
        // The token lives 60 s and is served while at least 10 s are left (the broker may count a second short of
        // expires_in): up to second 50 at most, then the broker refuses, and keeps refusing.
        int firstRefusal = statuses.indexOf(503);
        assertThat(firstRefusal).isBetween(45, 51);
        assertThat(statuses.subList(0, firstRefusal)).containsOnly(200);
        assertThat(statuses.subList(firstRefusal, statuses.size())).containsOnly(503);
    }

    private FakeClock pastBackoff(String resource) {
        return Backoffs.pastBackoff(clock, cache, resource);
    }

    /** An unsigned JWT with only {@code exp}: the upstream never checks it, the test reads it. */
    private static String jwt(long exp) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"exp\":" + exp + "}").getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    private static long exp(String jwt) {
        String payload = new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
        Matcher m = EXP.matcher(payload);
        assertThat(m.find()).as(payload).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<LoggedRequest> sorted(List<LoggedRequest> requests) {
        List<LoggedRequest> copy = new ArrayList<>(requests);
        copy.sort(java.util.Comparator.comparing(LoggedRequest::getLoggedDate));
        return copy;
    }
}
