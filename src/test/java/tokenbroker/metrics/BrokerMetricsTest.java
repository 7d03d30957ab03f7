package tokenbroker.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static tokenbroker.testing.IdpStubs.forScope;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tokenbroker.config.BrokerSetup;
import tokenbroker.faults.FaultyIdp;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;

/**
 * SPEC §6 and {@code BrokerMetrics}: each series of {@code /q/metrics} (management port) moves as it should when
 * tokens are served, refused and fetched, and carries only configured names and fixed words as labels, never a
 * string a caller sent. Scrapes before and after each action and compares.
 */
@QuarkusTest
@WithTestResource(value = FaultyIdp.class, initArgs = @ResourceArg(name = FaultyIdp.SETUP, value = FaultyIdp.FAULTS))
class BrokerMetricsTest extends OnFakeTime {

    private static final String REQUESTS = "broker_token_requests_total";
    private static final String IDP = "broker_idp_requests_total";
    private static final String LATENCY = "broker_idp_request_seconds";
    private static final String EXPIRES_IN = "broker_token_expires_in_seconds";
    private static final String FAILURES = "broker_refresh_failures_total";
    private static final String UNKNOWN = "(unknown)";
    /** What a caller sends that must never become a label. */
    private static final String CALLER_STRING = "caller-chosen-Zq9x";


    @TestHTTPResource(value = "/metrics", management = true) // under the management root, /q
    URL metrics;

    @Inject
    BrokerSetup setup;


    @Test
    void tokenRequests_countHitWaitedAndError_byResourceEndpointAndOutcome() {
        String resource = "m-first";
        Broker.awaitIdle(resource);
        stub(resource, IdpStubs.token("metrics", 3600));
        Broker.pastBackoff(resource, clock); // the start-up request failed (boot 503): no token yet
        Scrape before = Scrape.of(metrics);

        Broker.token(resource).then().statusCode(200); // the first token: the caller waits for the IdP
        Broker.token(resource).then().statusCode(200);
        Broker.api().accept("text/plain").get("/v1/tokens/{r}", resource).then().statusCode(200);
        Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", resource).then().statusCode(200);
        // A second force within 10 s gets the token the first one brought: served from the cache, so a hit.
        Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", resource).then().statusCode(200);
        msi(resource).then().statusCode(200);
        imds(resource).then().statusCode(200);
        imds(resource).then().statusCode(200);
        Broker.api().queryParam("min_ttl", "soon").get("/v1/tokens/{r}", resource).then().statusCode(400);
        Broker.token("no-such-resource").then().statusCode(404);
        msi("api://no-such-api").then().statusCode(400);
        given().queryParam("api-version", "2018-02-01").queryParam("resource", resource)
                .get("/metadata/identity/oauth2/token").then().statusCode(400); // no Metadata header
        Scrape after = Scrape.of(metrics);

        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "native", "outcome", "waited")).isEqualTo(2);
        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "native", "outcome", "hit")).isEqualTo(3);
        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "native", "outcome", "error")).isEqualTo(1);
        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "msi", "outcome", "hit")).isEqualTo(1);
        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "imds", "outcome", "hit")).isEqualTo(2);
        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "msi", "outcome", "waited")).isZero();
        for (String endpoint : List.of("native", "msi")) {
            assertThat(after.delta(before, REQUESTS, "resource", UNKNOWN, "endpoint", endpoint, "outcome", "error"))
                    .as("errors without a configured resource, %s", endpoint).isEqualTo(1);
        }
        // Issue 15: a refusal that names a configured resource (here: no Metadata header) counts under that resource.
        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "imds", "outcome", "error")).isEqualTo(1);
        assertThat(after.delta(before, REQUESTS, "resource", UNKNOWN, "endpoint", "imds", "outcome", "error")).isZero();
        // Every counter exists from start-up, at zero, for every configured resource and endpoint.
        assertThat(after.find(REQUESTS, "resource", "m-empty")).hasSize(15);
        assertThat(after.delta(before, IDP, "identity", "metered", "resource", resource, "outcome", "ok")).isEqualTo(2);
    }

    /** A {@code min_ttl} that the cached token satisfies was counted {@code waited}, though no IdP was asked. */
    @Test
    void tokenRequests_minTtlServedFromTheCache_isAHit_notAWait() {
        String resource = "m-main";
        ensureToken(resource);
        int idpRequests = IdpStubs.count(idp, IdpStubs.BOOT_503 + resource);
        Scrape before = Scrape.of(metrics);
        Broker.api().queryParam("min_ttl", 60).get("/v1/tokens/{r}", resource).then().statusCode(200);
        Broker.api().queryParam("min_ttl", 0).get("/v1/tokens/{r}", resource).then().statusCode(200);
        Scrape after = Scrape.of(metrics);

        assertThat(IdpStubs.count(idp, IdpStubs.BOOT_503 + resource)).as("no IdP request").isEqualTo(idpRequests);
        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "native", "outcome", "hit")).isEqualTo(2);
        assertThat(after.delta(before, REQUESTS, "resource", resource, "endpoint", "native", "outcome", "waited")).isZero();
    }

    @Test
    void idpRequests_countEachOutcome_timeEachRequest_andCountFailuresByReason() {
        Map<String, ResponseDefinitionBuilder> answers = Map.of(
                "m-main", IdpStubs.token("metrics-main", 3600),
                "m-rejected", IdpStubs.oauthError(400, "invalid_client", "Invalid client credentials"),
                "m-unreachable", IdpStubs.oauthError(503, "temporarily_unavailable", "down"),
                "m-malformed", IdpStubs.json(200, "{\"access_token\":\"no-expiry\",\"token_type\":\"Bearer\"}"));
        Map<String, String> outcomes = Map.of("m-main", "ok", "m-rejected", "rejected", "m-unreachable", "unreachable",
                "m-malformed", "malformed");
        for (String resource : answers.keySet()) {
            Broker.awaitIdle(resource);
            stub(resource, answers.get(resource));
            Broker.pastBackoff(resource, clock);
        }
        Scrape before = Scrape.of(metrics);
        for (String resource : answers.keySet()) {
            Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", resource);
        }
        Scrape after = Scrape.of(metrics);

        for (String resource : answers.keySet()) {
            String outcome = outcomes.get(resource);
            for (String word : List.of("ok", "rejected", "unreachable", "malformed")) {
                assertThat(after.delta(before, IDP, "identity", "metered", "resource", resource, "outcome", word))
                        .as("%s %s", resource, word).isEqualTo(word.equals(outcome) ? 1 : 0);
                if (!word.equals("ok")) {
                    assertThat(after.delta(before, FAILURES, "resource", resource, "reason", word))
                            .as("refresh failures of %s, %s", resource, word).isEqualTo(word.equals(outcome) ? 1 : 0);
                }
            }
            assertThat(after.delta(before, LATENCY + "_count", "identity", "metered", "resource", resource)).isEqualTo(1);
            List<Scrape.Series> buckets = after.find(LATENCY + "_bucket", "identity", "metered", "resource", resource);
            assertThat(buckets).as("histogram buckets of %s", resource).hasSizeGreaterThan(5)
                    .anySatisfy(b -> assertThat(b.labels()).containsEntry("le", "+Inf"));
            double previous = 0;
            for (Scrape.Series bucket : buckets) { // cumulative: never decreasing, ending at the count
                assertThat(bucket.value()).isGreaterThanOrEqualTo(previous);
                previous = bucket.value();
            }
            assertThat(previous).isEqualTo(after.value(LATENCY + "_count", "identity", "metered", "resource", resource));
        }
        assertThat(after.text()).contains("# TYPE " + LATENCY + " histogram");
    }

    @Test
    void expiresIn_followsTheCachedToken_andIsZeroWithoutOne() {
        assertThat(Scrape.of(metrics).value(EXPIRES_IN, "resource", "m-empty")).isZero();

        String resource = "m-main";
        ensureToken(resource);
        Response answer = Broker.api().queryParam("min_ttl", 3000).get("/v1/tokens/{r}", resource);
        long expiresOn = answer.then().statusCode(200).extract().jsonPath().getLong("expires_on");
        double left = expiresOn - clock.instant().toEpochMilli() / 1000.0;
        assertThat(Scrape.of(metrics).value(EXPIRES_IN, "resource", resource)).isCloseTo(left, within(1.0));

        clock.advance(Duration.ofSeconds(1000));
        assertThat(Scrape.of(metrics).value(EXPIRES_IN, "resource", resource)).isCloseTo(left - 1000, within(1.0));
        clock.set(Instant.ofEpochSecond(expiresOn + 1)); // past its expiry: nothing to count down
        assertThat(Scrape.of(metrics).value(EXPIRES_IN, "resource", resource)).isZero();
    }

    @Test
    void labels_areConfiguredNamesAndFixedWords_neverWhatACallerSent() {
        Set<String> before = keys(Scrape.of(metrics));
        Broker.token(CALLER_STRING).then().statusCode(404);
        Broker.api().get("/v1/tokens/" + CALLER_STRING + "%3Cscript%3E").then().statusCode(404);
        msi("https://" + CALLER_STRING + ".example/").then().statusCode(400);
        imds(CALLER_STRING).then().statusCode(400);
        given().header("X-IDENTITY-HEADER", "x").queryParam("api-version", "2019-08-01").queryParam("resource", "m-main")
                .queryParam("client_id", CALLER_STRING).get("/msi/token").then().statusCode(400);
        Broker.api().queryParam("min_ttl", CALLER_STRING).get("/v1/tokens/m-main").then().statusCode(400);
        Scrape scrape = Scrape.of(metrics);

        assertThat(scrape.text()).doesNotContain(CALLER_STRING).doesNotContain("<script");
        Set<String> resources = new HashSet<>(setup.resources().keySet());
        resources.add(UNKNOWN);
        Map<String, Set<String>> allowed = Map.of(
                "resource", resources,
                "identity", setup.identities().keySet(),
                "endpoint", Set.of("native", "msi", "imds", "proof", "proxy"),
                "outcome", Set.of("hit", "waited", "error", "ok", "rejected", "unreachable", "malformed"),
                "reason", Set.of("rejected", "unreachable", "malformed"));
        List<Scrape.Series> broker = scrape.named("broker_");
        assertThat(broker).hasSizeGreaterThan(100);
        List<String> stale = new java.util.ArrayList<>();
        for (Scrape.Series series : broker) {
            // Micrometer meters outlive a Quarkus restart within one JVM: a broker that ran earlier in this JVM (the
            // soak's, the API tests') left its own configured names, as plain names. Series made here must be ours.
            boolean earlier = before.contains(key(series)) && !resources.contains(series.labels().getOrDefault("resource", UNKNOWN));
            if (earlier) {
                stale.add(series.name() + series.labels());
            }
            for (Map.Entry<String, String> label : series.labels().entrySet()) {
                if (label.getKey().equals("le")) {
                    assertThat(label.getValue()).matches("\\+Inf|[0-9.E-]+");
                    continue;
                }
                assertThat(allowed).as("label %s of %s", label.getKey(), series.name()).containsKey(label.getKey());
                if (earlier && (label.getKey().equals("resource") || label.getKey().equals("identity"))) {
                    assertThat(label.getValue()).as("%s of an earlier broker", label.getKey()).matches("[A-Za-z0-9._-]{1,64}");
                    continue;
                }
                assertThat(allowed.get(label.getKey())).as("%s=%s of %s", label.getKey(), label.getValue(), series.name())
                        .contains(label.getValue());
            }
        }
        if (!stale.isEmpty()) {
            System.out.printf("BrokerMetricsTest: %d series left by a broker that ran earlier in this JVM%n", stale.size());
        }
        assertThat(scrape.value(REQUESTS, "resource", UNKNOWN, "endpoint", "native", "outcome", "error")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void metrics_onTheTokenPort_is404() {
        for (String path : List.of("/q/metrics", "/metrics", "/q/metrics/")) {
            given().get(path).then().statusCode(404);
            Broker.api().get(path).then().statusCode(404);
        }
        assertThat(metrics.getPort()).isNotEqualTo(io.restassured.RestAssured.port);
    }

    /** Makes sure {@code resource} holds a one-hour token with at least 3000 s left at the fake clock's instant. */
    private void ensureToken(String resource) {
        Broker.awaitIdle(resource);
        stub(resource, IdpStubs.token("metrics-main", 3600));
        Broker.pastBackoff(resource, clock);
        Broker.api().queryParam("min_ttl", 3000).get("/v1/tokens/{r}", resource).then().statusCode(200);
    }

    private static Set<String> keys(Scrape scrape) {
        Set<String> keys = new HashSet<>();
        scrape.series().forEach(series -> keys.add(key(series)));
        return keys;
    }

    private static String key(Scrape.Series series) {
        return series.name() + series.labels();
    }

    private void stub(String resource, ResponseDefinitionBuilder answer) {
        idp.stubFor(forScope(IdpStubs.BOOT_503 + resource).willReturn(answer));
    }

    private static Response msi(String resource) {
        return given().header("X-IDENTITY-HEADER", "any").queryParam("api-version", "2019-08-01")
                .queryParam("resource", resource).get("/msi/token");
    }

    private static Response imds(String resource) {
        return Broker.api().queryParam("api-version", "2018-02-01").queryParam("resource", resource)
                .get("/metadata/identity/oauth2/token");
    }
}
