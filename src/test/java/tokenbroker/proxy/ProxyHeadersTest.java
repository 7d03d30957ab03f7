package tokenbroker.proxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.cache.TokenCache;
import tokenbroker.hostile.RawHttp;

/**
 * SPEC §3.4 on the wire: what reaches the upstream (the broker's token, not the caller's Authorization nor its
 * secret, no hop-by-hop header, the upstream's Host, the path under the base path), what comes back (the upstream's
 * answer unchanged, redirects included), and the broker's own refusals (marked, in the JSON error shape).
 */
@QuarkusTest
@WithTestResource(ProxyStack.class)
class ProxyHeadersTest {

    @InjectUpstream
    WireMockServer upstream;

    @Inject
    ProxyServers servers;

    @Inject
    TokenCache cache;

    @BeforeEach
    void reset() {
        upstream.resetAll();
    }

    private String mainToken() {
        return cache.slot("proxy-main").servable().value();
    }

    @Test
    void request_reachesUpstreamWithBrokerTokenOnly_andNoHopByHopHeader() {
        upstream.stubFor(get(urlPathEqualTo("/base/headers/check")).willReturn(aResponse().withStatus(200)
                .withHeader("X-Upstream", "yes").withHeader("Proxy-Authenticate", "Basic realm=up")
                .withHeader("Keep-Alive", "timeout=5").withHeader("Content-Length", "13").withBody("from upstream")));
        String secret = ProxyStack.secret(ProxyStack.APP);
        RawHttp.Answer answer = RawHttp.exchange(servers.port("main"), "GET /headers/check?q=1&r=%20 HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "Authorization: Basic Y2FsbGVyOnNlY3JldA==\r\n"
                + "X-IDENTITY-HEADER: " + secret + "\r\n"
                + "Connection: keep-alive, X-Hop-Named\r\n"
                + "X-Hop-Named: named\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\n"
                + "Proxy-Authorization: Basic cHJveHk6cHc=\r\n"
                + "TE: trailers\r\n"
                + "Trailer: X-Trailer\r\n"
                + "Upgrade: example/1\r\n"
                + "X-Passed: passed\r\n"
                + "\r\n", Duration.ZERO);

        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("from upstream");
        assertThat(answer.header("x-upstream")).isEqualTo("yes");
        assertThat(answer.header("proxy-authenticate")).isNull();
        assertThat(answer.header("keep-alive")).isNull();
        assertThat(answer.header(ProxyErrors.MARKER)).isNull();

        List<LoggedRequest> received = upstream.findAll(anyRequestedFor(anyUrl()));
        assertThat(received).hasSize(1);
        LoggedRequest request = received.get(0);
        assertThat(request.getUrl()).isEqualTo("/base/headers/check?q=1&r=%20");
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + mainToken());
        assertThat(request.getHeaders().getHeader("Authorization").values()).hasSize(1);
        assertThat(request.getHeader("Host")).isEqualTo("127.0.0.1:" + upstream.httpsPort());
        assertThat(request.getHeader("X-Passed")).isEqualTo("passed");
        for (String gone : List.of("X-IDENTITY-HEADER", "X-Hop-Named", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization",
                "TE", "Trailer", "Upgrade")) {
            assertThat(request.containsHeader(gone)).as(gone + " reached the upstream").isFalse();
        }
        String all = request.getHeaders().all().toString();
        assertThat(all).doesNotContain(secret).doesNotContain("Y2FsbGVyOnNlY3JldA==").doesNotContain("cHJveHk6cHc=");
    }

    @Test
    void bodies_areByteIdenticalBothWays() {
        byte[] sent = new byte[3 * 1024 * 1024 + 17];
        byte[] back = new byte[2 * 1024 * 1024 + 5];
        new Random(7).nextBytes(sent);
        new Random(8).nextBytes(back);
        upstream.stubFor(post(urlPathEqualTo("/base/echo")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/octet-stream").withBody(back)));

        HttpResponse<byte[]> answer = Routes.send(Routes.request(servers.port("main"), "/echo")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(sent)).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(answer.statusCode()).isEqualTo(201);
        assertThat(answer.body()).isEqualTo(back);
        LoggedRequest received = upstream.findAll(anyRequestedFor(urlPathEqualTo("/base/echo"))).get(0);
        assertThat(received.getBody()).isEqualTo(sent);
        assertThat(received.getHeader("Content-Type")).isEqualTo("application/octet-stream");
    }

    @Test
    void redirects_arePassedBack_notFollowed() {
        upstream.stubFor(get(urlPathEqualTo("/base/moved")).willReturn(aResponse().withStatus(302)
                .withHeader("Location", "https://elsewhere.example/next")));
        HttpResponse<String> answer = Routes.get(servers.port("main"), "/moved", Map.of());
        assertThat(answer.statusCode()).isEqualTo(302);
        assertThat(answer.headers().firstValue("Location")).hasValue("https://elsewhere.example/next");
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).hasSize(1);
    }

    @Test
    void upstreamErrors_passThroughUnchanged() {
        upstream.stubFor(get(urlPathEqualTo("/base/missing")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"code\":\"Request_ResourceNotFound\"}}")));
        HttpResponse<String> answer = Routes.get(servers.port("main"), "/missing", Map.of());
        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.body()).isEqualTo("{\"error\":{\"code\":\"Request_ResourceNotFound\"}}");
        assertThat(answer.headers().firstValue(ProxyErrors.MARKER)).isEmpty();
    }

    @Test
    void callerWithoutTheRight_gets403_andTheUpstreamNothing() {
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        HttpResponse<String> other = Routes.get(servers.port("main"), "/denied",
                Map.of("X-IDENTITY-HEADER", ProxyStack.secret(ProxyStack.OTHER)));
        refused(other, 403, "access_denied");
        HttpResponse<String> unknown = Routes.get(servers.port("main"), "/denied", Map.of("X-IDENTITY-HEADER", "not-a-caller"));
        refused(unknown, 401, "invalid_caller");
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void strictRoute_refusesCallerAuthorization_andRequiresMetadata() {
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        refused(Routes.get(servers.port("strict"), "/s", Map.of("Metadata", "true", "Authorization", "Bearer mine")), 400,
                "invalid_request");
        refused(Routes.get(servers.port("strict"), "/s", Map.of()), 400, "invalid_request");
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();

        assertThat(Routes.get(servers.port("strict"), "/s", Map.of("Metadata", "true")).statusCode()).isEqualTo(200);
        LoggedRequest received = upstream.findAll(anyRequestedFor(anyUrl())).get(0);
        assertThat(received.getHeader("Authorization")).isEqualTo("Bearer " + mainToken());
        assertThat(received.containsHeader("Metadata")).isFalse();
    }

    @Test
    void tls_withoutTheCa_orForAnotherName_isRefused() {
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        HttpResponse<String> untrusted = Routes.get(servers.port("untrusted"), "/t", Map.of());
        refused(untrusted, 502, "upstream_unreachable");
        assertThat(untrusted.body()).contains("TLS");
        HttpResponse<String> wrongName = Routes.get(servers.port("wrong-name"), "/t", Map.of());
        refused(wrongName, 502, "upstream_unreachable");
        assertThat(wrongName.body()).contains("TLS");
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void unreachableAndSilentUpstreams_areTheBrokersRefusals() {
        refused(Routes.get(servers.port("closed"), "/c", Map.of()), 502, "upstream_unreachable");
        upstream.stubFor(get(urlPathEqualTo("/base/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(4000)));
        long started = System.nanoTime();
        refused(Routes.get(servers.port("slow"), "/slow", Map.of()), 504, "upstream_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    static void refused(HttpResponse<String> answer, int status, String error) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue(ProxyErrors.MARKER)).hasValue("true");
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(answer.body()).contains("\"error\":\"" + error + "\"").contains("\"error_description\":\"");
    }
}
