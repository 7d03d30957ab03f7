package tokenbroker.leaks;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import com.github.tomakehurst.wiremock.WireMockServer;
import tokenbroker.cache.RefreshSweeper;
import tokenbroker.proxy.ProxyServers;
import tokenbroker.cache.TokenSlot;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.OnFakeTime;

/**
 * docs/security.md, "What never leaves the broker", with every logger at {@code TRACE} ({@link TraceEverything}):
 * a whole scenario (every kind of credential, callers, good tokens, a rejected secret, a malformed answer, a
 * timeout, {@code force_refresh}, the three token endpoints, 401/403/404, {@code /v1/resources}, health and
 * metrics, DPoP-bound tokens through the proofs door and a route that retries once with the upstream's nonce), then no
 * client secret, private key (the DPoP key's PEM and JWK {@code d} included), PKCS#12 password, federated or client
 * assertion, DPoP proof, caller secret or access token in the log file, and no token, proof or secret in any answer
 * that is not a token answer.
 *
 * <p>So that the test cannot pass by logging nothing, it also requires DEBUG and TRACE lines from the broker's
 * libraries and its own refresh lines; and it requires that {@code io.quarkus.oidc.client}, asked for {@code TRACE}
 * at run time, logged nothing below INFO (the pin of {@code application.properties}, TRAPS.md).
 */
@QuarkusTest
@TestProfile(TraceEverything.class)
@WithTestResource(LeakScenarioIdp.class)
class NothingLeaksTest extends OnFakeTime {

    /** A record's first line in {@link TraceEverything}'s format: time, level, [category]. */
    private static final Pattern LINE = Pattern.compile("^[0-9:]{8},\\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \\[([^\\]]*)\\]");
    private static final String WRONG_CALLER_SECRET = "caller-wrong-Qx7Lm2Pz9Wv4Rk8Tn3Yb6Hc1Jd5Fg0Se";

    @Inject
    RefreshSweeper sweeper;

    @TestHTTPResource(value = "/health", management = true) // under the management root, /q
    URL managementHealth;

    @Inject
    ProxyServers servers;

    @InjectLeakUpstream
    WireMockServer upstream;

    /** The proofs the proofs door handed out: allowed in its answers only. */
    private final List<String> proofs = new ArrayList<>();

    /** Answers that are not token answers: they may hold no token. */
    private final List<Answer> others = new ArrayList<>();
    /** Token answers: they hold their token, and nothing else secret. */
    private final List<Answer> tokenAnswers = new ArrayList<>();

    private record Answer(String what, String text) {
    }

    @Test
    void wholeScenario_atTrace_leaksNoSecretAndNoToken() throws IOException {
        String app = secret("broker.callers.app.secret-file");
        String limited = secret("broker.callers.limited.secret-file");
        for (TokenSlot slot : cache.slots()) {
            awaitIdle(slot.resource().name()); // the start-up requests, the slow one's deadline included
        }
        // As the app caller: every kind of credential, JSON and plain, and a forced refresh of each.
        clock.advance(Duration.ofSeconds(11));
        for (String resource : LeakScenarioIdp.GOOD) {
            token("native " + resource, as(app).get("/v1/tokens/{r}", resource), 200);
            token("native plain " + resource, as(app).accept("text/plain").get("/v1/tokens/{r}", resource), 200);
            token("forced " + resource, as(app).queryParam("force_refresh", "true").get("/v1/tokens/{r}", resource), 200);
        }
        // The failures: a rejected secret, a malformed answer, a timeout; each asked for again past its backoff.
        for (int round = 0; round < 2; round++) {
            other("rejected", as(app).get("/v1/tokens/rejected"), 502);
            other("malformed", as(app).get("/v1/tokens/malformed"), 502);
            other("slow", as(app).get("/v1/tokens/slow"), 503);
            other("msi rejected", msi(app, "rejected"), 400);
            other("imds slow", imds(app, "slow"), 503);
            clock.advance(Duration.ofSeconds(61));
        }
        // The Azure endpoints.
        token("msi entra", msi(app, LeakScenarioIdp.ENTRA_AUDIENCE), 200);
        token("msi federated", msi(app, "federated"), 200);
        token("imds entra", imds(app, LeakScenarioIdp.ENTRA_AUDIENCE + "/"), 200);
        token("imds cert-p12", imds(app, "cert-p12"), 200);
        // 401, 403, 404, and a limited caller's own resource.
        other("native 401", as(WRONG_CALLER_SECRET).get("/v1/tokens/basic"), 401);
        other("native 401 without secret", Broker.api().get("/v1/tokens/basic"), 401);
        other("msi 401", msi(WRONG_CALLER_SECRET, "basic"), 401);
        other("imds 401", imds(WRONG_CALLER_SECRET, "basic"), 401);
        other("resources 401", as(WRONG_CALLER_SECRET).get("/v1/resources"), 401);
        other("native 403", as(limited).get("/v1/tokens/cert-pem"), 403);
        other("msi 403", msi(limited, "cert-pem"), 403);
        other("imds 403", imds(limited, LeakScenarioIdp.ENTRA_AUDIENCE), 403);
        token("native limited", as(limited).get("/v1/tokens/basic"), 200);
        other("native 404", as(app).get("/v1/tokens/no-such-resource"), 404);
        other("msi unknown", msi(app, "api://no-such-api"), 400);
        other("native bad min_ttl", as(app).queryParam("min_ttl", "soon").get("/v1/tokens/basic"), 400);
        // Proactive refresh of everything, half an hour on: new assertions, new tokens.
        clock.advance(Duration.ofMinutes(35));
        sweeper.tick();
        for (String resource : LeakScenarioIdp.GOOD) {
            awaitIdle(resource);
        }
        awaitIdle("slow");
        for (String resource : LeakScenarioIdp.GOOD) {
            token("refreshed " + resource, as(app).get("/v1/tokens/{r}", resource), 200);
        }
        // Sender-constrained tokens: the bearer door refuses them, the proofs door presents them, the route sends them.
        other("native dpop", as(app).get("/v1/tokens/dpop"), 400);
        other("proofs door, a bearer resource", as(app).queryParam("htm", "GET").queryParam("htu", "https://api.example/items")
                .get("/v1/proofs/basic"), 400);
        Response proof = as(app).queryParam("htm", "GET").queryParam("htu", "https://api.example/items").get("/v1/proofs/dpop");
        token("proof dpop", proof, 200);
        proofs.add(proof.path("dpop"));
        int route = servers.port("dpop");
        other("route dpop", routed(app, route, "/ok"), 200);
        other("route dpop, nonce retry", routed(app, route, "/nonce"), 200);
        other("route dpop, upstream error", routed(app, route, "/fail"), 502);
        other("route dpop 401", routed(WRONG_CALLER_SECRET, route, "/ok"), 401);
        // What operators see.
        other("resources, app", as(app).get("/v1/resources"), 200);
        other("resources, limited", as(limited).get("/v1/resources"), 200);
        for (String path : List.of("q/health", "q/health/ready", "q/health/live", "q/health/started", "q/metrics")) {
            Response answer = given().get(managementHealth.toString().replace("/q/health", "/") + path);
            assertThat(answer.statusCode()).as(path).isIn(200, 503);
            others.add(new Answer(path, answer.asString() + answer.getHeaders()));
        }

        Forbidden forbidden = Forbidden.configured();
        forbidden.addWire(idp);
        forbidden.addUpstream(upstream);
        for (int i = 0; i < proofs.size(); i++) {
            forbidden.tokens.put("proof of the proofs door " + i, proofs.get(i));
        }
        checkTheScenarioHappened(forbidden);
        String log = readLog();

        List<String> leaks = new ArrayList<>(Forbidden.found(forbidden.secrets, "the log", log));
        leaks.addAll(Forbidden.found(forbidden.tokens, "the log", log));
        for (Answer answer : others) {
            leaks.addAll(Forbidden.found(forbidden.secrets, answer.what(), answer.text()));
            leaks.addAll(Forbidden.found(forbidden.tokens, answer.what(), answer.text()));
        }
        for (Answer answer : tokenAnswers) {
            leaks.addAll(Forbidden.found(forbidden.secrets, answer.what(), answer.text()));
        }
        assertThat(leaks).as("secrets and tokens found (log: %s)", TraceEverything.LOG_FILE).isEmpty();
        checkTheLogIsVerbose(log);
    }

    /** The scenario reached every place a leak could come from: otherwise an empty finding proves nothing. */
    private void checkTheScenarioHappened(Forbidden forbidden) {
        assertThat(forbidden.clientAssertions).as("client assertions sent (PEM, PKCS#12, Entra, federated)")
                .isGreaterThanOrEqualTo(12);
        assertThat(forbidden.basicHeaders).as("client_secret_basic requests").isGreaterThanOrEqualTo(4);
        assertThat(forbidden.secrets).containsKey("client_secret form parameter").containsKey("DPoP private key's JWK d");
        assertThat(forbidden.tokenRequestProofs).as("DPoP proofs on token requests").isGreaterThanOrEqualTo(2);
        assertThat(forbidden.upstreamProofs).as("DPoP proofs sent upstream (the nonce retry included)").isGreaterThanOrEqualTo(4);
        assertThat(forbidden.tokens.keySet()).as("tokens issued")
                .anyMatch(k -> k.contains("(leak-at)")).anyMatch(k -> k.contains("(leak-malformed)"))
                .anyMatch(k -> k.contains("(leak-late)"));
        assertThat(forbidden.tokens.size()).isGreaterThanOrEqualTo(24);
        assertThat(tokenAnswers.size()).as("token answers").isGreaterThanOrEqualTo(25);
        String all = String.join("\n", tokenAnswers.stream().map(Answer::text).toList());
        assertThat(Forbidden.found(forbidden.tokens, "token answers", all)).as("tokens served").hasSizeGreaterThanOrEqualTo(12);
    }

    private static void checkTheLogIsVerbose(String log) {
        Map<String, Integer> byLevel = new TreeMap<>();
        Map<String, Integer> belowInfo = new TreeMap<>();
        List<String> pinned = new ArrayList<>();
        for (String line : log.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String level = m.group(1).strip();
            String category = m.group(2);
            byLevel.merge(level, 1, Integer::sum);
            if (level.equals("TRACE") || level.equals("DEBUG")) {
                belowInfo.merge(category.replaceAll("^((?:[^.]+\\.){0,2}[^.]+).*$", "$1") + " " + level, 1, Integer::sum);
                if (category.startsWith("io.quarkus.oidc.client") || category.startsWith("io.quarkus.oidc.common")) {
                    pinned.add(line);
                }
            }
        }
        System.out.printf("NothingLeaksTest: %d log lines by level %s; below INFO by category: %s%n",
                byLevel.values().stream().mapToInt(Integer::intValue).sum(), byLevel, belowInfo);
        assertThat(byLevel).as("lines by level").containsKeys("TRACE", "DEBUG");
        assertThat(byLevel.get("TRACE")).isGreaterThan(10);
        assertThat(byLevel.get("DEBUG")).isGreaterThan(10);
        assertThat(log).as("the broker's own refresh lines").contains("refresh: resource=cert-p12").contains("outcome=rejected")
                .contains("outcome=malformed").contains("within 2 s");
        assertThat(pinned).as("oidc-client lines below INFO, despite level=TRACE").isEmpty();
    }

    private String readLog() throws IOException {
        Path file = TraceEverything.LOG_FILE;
        StringBuilder log = new StringBuilder();
        try (Stream<Path> files = Files.list(file.getParent())) {
            String name = file.getFileName().toString();
            for (Path rotated : files.filter(p -> p.getFileName().toString().startsWith(name)).sorted().toList()) {
                log.append(Files.readString(rotated)).append('\n');
            }
        }
        assertThat(log.length()).as("the log file %s", file).isGreaterThan(0);
        return log.toString();
    }

    /** Waits until no IdP request of {@code resource} runs; read in-process, since /v1/resources needs a caller secret. */
    private void awaitIdle(String resource) {
        Eventually.until(resource + " to be idle", Duration.ofSeconds(20),
                () -> !cache.slot(resource).status().state().equals("refreshing"));
    }

    private void token(String what, Response answer, int status) {
        assertThat(answer.statusCode()).as(what + ": " + answer.asString()).isEqualTo(status);
        tokenAnswers.add(new Answer(what, answer.asString() + answer.getHeaders()));
    }

    private void other(String what, Response answer, int status) {
        assertThat(answer.statusCode()).as(what + ": " + answer.asString()).isEqualTo(status);
        others.add(new Answer(what, answer.asString() + answer.getHeaders()));
    }

    private static RequestSpecification as(String callerSecret) {
        return Broker.api().header("X-IDENTITY-HEADER", callerSecret);
    }

    private static Response routed(String callerSecret, int port, String path) {
        return given().header("X-IDENTITY-HEADER", callerSecret).get("http://127.0.0.1:" + port + path);
    }

    private static Response msi(String callerSecret, String resource) {
        return given().header("X-IDENTITY-HEADER", callerSecret).queryParam("api-version", "2019-08-01")
                .queryParam("resource", resource).get("/msi/token");
    }

    private static Response imds(String callerSecret, String resource) {
        return as(callerSecret).queryParam("api-version", "2018-02-01").queryParam("resource", resource)
                .get("/metadata/identity/oauth2/token");
    }

    private static String secret(String key) throws IOException {
        return Files.readString(Path.of(ConfigProvider.getConfig().getValue(key, String.class))).strip();
    }
}
