package tokenbroker.proxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tokenbroker.cache.TokenCache;
import tokenbroker.metrics.Scrape;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.InjectWireMock;

/**
 * The routes' meters on {@code /q/metrics}: requests by the upstream's status class, the broker's refusals by error,
 * the latency histogram and the retries after a 401, labelled by route only; no token or secret in any series.
 */
@QuarkusTest
@WithTestResource(ProxyStack.class)
class ProxyMetricsTest {

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @InjectUpstream
    WireMockServer upstream;

    @InjectWireMock
    WireMockServer idp;

    @Inject
    ProxyServers servers;

    @Inject
    TokenCache cache;

    @Test
    void routeMeters_move_andCarryNoSecret() {
        upstream.stubFor(get(urlPathEqualTo("/base/m/ok")).willReturn(aResponse().withStatus(204)));
        upstream.stubFor(get(urlPathEqualTo("/base/m/gone")).willReturn(aResponse().withStatus(503)));
        upstream.stubFor(get(urlPathEqualTo("/base/m/retry")).atPriority(1).withHeader("Authorization", matching("Bearer boot-.*"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")));
        upstream.stubFor(get(urlPathEqualTo("/base/m/retry")).atPriority(2).willReturn(aResponse().withStatus(200)));
        // The retry needs the route to hold a start-up token (boot-...) when the stub below changes the IdP's answer:
        // on a slow machine the start-up prefetch may still be on its way to the IdP (CI, 2026-12-02 21:19).
        String held = Eventually.until("proxy-metered's start-up token", Duration.ofSeconds(20), () -> {
            var slot = cache.slot("proxy-metered");
            var token = slot.servable();
            return token == null || "refreshing".equals(slot.status().state()) ? null : token.value();
        });
        assertThat(held).as("the start-up token of proxy-metered").startsWith("boot-");
        idp.stubFor(IdpStubs.forScope("proxy.metered").willReturn(IdpStubs.token("metrics", 3600)));
        Scrape before = Scrape.of(metrics);

        assertThat(Routes.get(servers.port("main"), "/m/ok", Map.of()).statusCode()).isEqualTo(204);
        assertThat(Routes.get(servers.port("main"), "/m/gone", Map.of()).statusCode()).isEqualTo(503);
        assertThat(Routes.get(servers.port("main"), "/m/%2e%2e", Map.of()).statusCode()).isEqualTo(400);
        Routes.get(servers.port("metered"), "/m/retry", Map.of());

        Scrape after = Scrape.of(metrics);
        assertThat(after.delta(before, "broker_proxy_requests_total", "route", "main", "status", "2xx")).isEqualTo(1);
        assertThat(after.delta(before, "broker_proxy_requests_total", "route", "main", "status", "5xx")).isEqualTo(1);
        assertThat(after.delta(before, "broker_proxy_requests_total", "route", "main", "status", "refused")).isEqualTo(1);
        assertThat(after.delta(before, "broker_proxy_refusals_total", "route", "main", "error", "invalid_request")).isEqualTo(1);
        assertThat(after.delta(before, "broker_proxy_request_seconds_count", "route", "main")).isEqualTo(3);
        assertThat(after.find("broker_proxy_request_seconds_bucket", "route", "main")).isNotEmpty();
        assertThat(after.delta(before, "broker_proxy_retries_total", "route", "metered")).isEqualTo(1);
        for (var series : after.named("broker_proxy")) {
            assertThat(series.labels().keySet()).isSubsetOf("route", "status", "error", "le");
        }
        assertThat(after.text()).doesNotContain(cache.slot("proxy-main").servable().value())
                .doesNotContain(ProxyStack.secret(ProxyStack.APP));
    }
}
