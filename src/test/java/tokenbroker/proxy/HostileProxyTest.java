package tokenbroker.proxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tokenbroker.cache.TokenCache;
import tokenbroker.hostile.RawHttp;

/**
 * Hostile requests on a route port, as bytes on a socket: ambiguous framing (CL + TE, two Content-Lengths),
 * obs-fold, absolute-form targets and Host headers naming another server, base-path escapes, oversized headers,
 * TRACE and CONNECT. None reaches a server other than the route's upstream (a canary WireMock watches), none of the
 * refused ones reaches the upstream at all, and whatever does reach it carries the route's token and nothing else.
 */
@QuarkusTest
@WithTestResource(ProxyStack.class)
class HostileProxyTest {

    @InjectUpstream
    WireMockServer upstream;

    @Inject
    ProxyServers servers;

    @Inject
    TokenCache cache;

    private String secret;

    @BeforeEach
    void reset() {
        upstream.resetAll();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withHeader("Content-Length", "2").withBody("up")));
        ProxyStack.canary.resetAll();
        ProxyStack.canary.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("canary")));
        secret = ProxyStack.secret(ProxyStack.APP);
    }

    @AfterEach
    void canaryHeardNothing() {
        assertThat(ProxyStack.canary.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    private RawHttp.Answer send(String request) {
        return RawHttp.exchange(servers.port("main"), request, Duration.ofMillis(300));
    }

    private String head(String requestLine) {
        return requestLine + "\r\nHost: 127.0.0.1\r\nX-IDENTITY-HEADER: " + secret + "\r\n";
    }

    @Test
    void contentLengthAndTransferEncoding_refused_smuggledRequestNeverForwarded() {
        RawHttp.Answer answer = send(head("POST /h/clte HTTP/1.1") + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /h/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\nX-IDENTITY-HEADER: " + secret + "\r\n\r\n");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
        assertThat(answer.after()).doesNotContain("HTTP/1.1 200");
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void twoContentLengths_refused() {
        RawHttp.Answer answer = send(head("POST /h/twocl HTTP/1.1") + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void obsFold_neverSmugglesAHeader() {
        // RFC 9112 §5.2 lets a server replace obs-fold with a space (Netty does): the folded text stays inside the
        // value it continues and never becomes a header of its own.
        RawHttp.Answer answer = send(head("GET /h/fold HTTP/1.1") + "X-Folded: a\r\n Authorization: Bearer evil\r\n"
                + "X-Folded-2: b\r\n\tX-IDENTITY-HEADER: not-the-secret\r\n\r\n");
        assertThat(answer.status()).as(answer.toString()).isIn(200, 400);
        for (LoggedRequest request : upstream.findAll(anyRequestedFor(anyUrl()))) {
            onlyTheRoutesToken(request);
            assertThat(request.getHeader("X-Folded")).isEqualTo("a Authorization: Bearer evil");
        }
    }

    @Test
    void absoluteFormTarget_toAnotherHost_refused() {
        String canary = "127.0.0.1:" + ProxyStack.canary.port();
        RawHttp.Answer answer = send("GET http://" + canary + "/steal HTTP/1.1\r\nHost: " + canary + "\r\nX-IDENTITY-HEADER: "
                + secret + "\r\n\r\n");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
        assertThat(answer.header(ProxyErrors.MARKER)).isEqualTo("true");
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void hostNamingAnotherServer_goesToTheRoutesUpstreamOnly() {
        String canary = "127.0.0.1:" + ProxyStack.canary.port();
        RawHttp.Answer answer = send("GET /h/host HTTP/1.1\r\nHost: " + canary + "\r\nX-IDENTITY-HEADER: " + secret + "\r\n\r\n");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        List<LoggedRequest> received = upstream.findAll(anyRequestedFor(anyUrl()));
        assertThat(received).hasSize(1);
        assertThat(received.get(0).getHeader("Host")).isEqualTo("127.0.0.1:" + upstream.httpsPort());
        onlyTheRoutesToken(received.get(0));

        RawHttp.Answer foreign = send("GET /h/host HTTP/1.1\r\nHost: evil.example\r\nX-IDENTITY-HEADER: " + secret + "\r\n\r\n");
        assertThat(foreign.status()).isEqualTo(400);
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = { "/../admin", "/a/../../admin", "/%2e%2e/admin", "/%2E%2e/admin", "/.%2e/admin", "/./admin",
            "/a/%2f..%2fadmin", "/..%2fadmin", "/..%5cadmin", "/%5c..%5cadmin", "/a\\..\\admin", "/%252e%252e/admin",
            "/a/..", "/a/%2e", "/a%00b" })
    void basePathEscapes_refused(String path) {
        RawHttp.Answer answer = send(head("GET " + path + " HTTP/1.1") + "\r\n");
        assertThat(answer.status()).as(path + ": " + answer).isEqualTo(400);
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).as(path).isEmpty();
    }

    @Test
    void oversizedHeaders_refused() {
        RawHttp.Answer answer = send(head("GET /h/big HTTP/1.1") + "X-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertThat(answer.status()).as(answer.statusLine()).isIn(400, 431);
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "TRACE /h/trace HTTP/1.1", "CONNECT 127.0.0.1:443 HTTP/1.1" })
    void traceAndConnect_refused(String requestLine) {
        RawHttp.Answer answer = send(head(requestLine) + "\r\n");
        assertThat(answer.status()).as(answer.toString()).isIn(400, 405);
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void proxyHeaders_refused() {
        for (String header : List.of("X-Forwarded-For: 10.0.0.1", "Forwarded: for=10.0.0.1")) {
            RawHttp.Answer answer = send(head("GET /h/xff HTTP/1.1") + header + "\r\n\r\n");
            assertThat(answer.status()).as(header).isEqualTo(400);
        }
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void withoutCallerSecret_nothingIsForwarded() {
        RawHttp.Answer answer = send("GET /h/anon HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(answer.status()).isEqualTo(401);
        assertThat(upstream.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    private void onlyTheRoutesToken(LoggedRequest request) {
        assertThat(request.getHeaders().getHeader("Authorization").values())
                .containsExactly("Bearer " + cache.slot("proxy-main").servable().value());
        assertThat(request.containsHeader("X-IDENTITY-HEADER")).isFalse();
        for (HttpHeader header : request.getHeaders().all()) {
            for (String value : header.values()) {
                assertThat(value).doesNotContain("\r").doesNotContain("\n").doesNotContain(secret);
            }
        }
        assertThat(Set.of(request.getUrl())).allMatch(u -> u.startsWith("/base/"));
    }
}
