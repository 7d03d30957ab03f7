package tokenbroker.shutdown;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.IdpStubs;

/**
 * SIGTERM on the packaged broker, as Kubernetes sends it (docs/security.md, {@code quarkus.shutdown.timeout=10s}): a
 * request in flight still gets its token, new requests get 503 (or find the port closed), and the process exits
 * with 0 or 143 within the shutdown timeout, also when the IdP never answers.
 *
 * <p>The request in flight is one that must wait for the IdP: the start-up token was issued for 600 s, so it has
 * less left when the request asks for {@code min_ttl=600}. The fake IdP holds that second token answer
 * ({@link HeldAnswer}) until the test lets it go, a second or two after SIGTERM: the request is provably in flight
 * when the signal arrives (its IdP request has reached the IdP), whatever the JVM's start-up time on a busy machine.
 * A fixed IdP delay of a few seconds would race with that start-up.
 */
class GracefulShutdownIT {

    private static final String RESOURCE = "graceful";
    private static final String SCOPE = "graceful.read";
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10); // application.properties
    private static final HeldAnswer HELD = new HeldAnswer();
    private static WireMockServer idp;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private BrokerProcess broker;

    @BeforeAll
    static void startIdp() {
        idp = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(20)
                .templatingEnabled(true).globalTemplating(false).extensions(HELD));
        idp.start();
    }

    @AfterAll
    static void stopIdp() {
        HELD.release();
        idp.stop();
    }

    @BeforeEach
    void startBroker(@TempDir Path dir) throws IOException {
        HELD.reset();
        idp.resetAll();
        // The start-up request gets a 600 s token at once; the next one, a one-hour token when the test says so.
        idp.stubFor(post(urlEqualTo("/token")).inScenario("shutdown").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(IdpStubs.token("start", 600)).willSetStateTo("started"));
        idp.stubFor(post(urlEqualTo("/token")).inScenario("shutdown").whenScenarioStateIs("started")
                .willReturn(IdpStubs.token("held", 3600).withTransformers("response-template", HeldAnswer.NAME)));
        broker = BrokerProcess.start(dir, Map.of(
                "broker.identities.main.client-id", "shutdown-test",
                "broker.identities.main.token-url", "http://127.0.0.1:" + idp.port() + "/token",
                "broker.identities.main.secret-file", Files.writeString(dir.resolve("idp.secret"), "s3cret\n").toString(),
                "broker.resources." + RESOURCE + ".scopes", SCOPE));
        until("the broker to serve its start-up token", Duration.ofSeconds(90), () -> status(get("")) == 200 ? 200 : null);
    }

    @AfterEach
    void stopBroker() throws InterruptedException {
        HELD.release();
        broker.close();
    }

    @Test
    void sigterm_letsTheRequestInFlightFinishAndRefusesNewOnes() throws Exception {
        CompletableFuture<HttpResponse<String>> inFlight = send("?min_ttl=600");
        assertThat(HELD.awaitArrival(Duration.ofSeconds(30))).as("the broker asked the IdP for a fresher token").isTrue();

        long signalled = System.nanoTime();
        broker.terminate();
        // Until the JVM has handled the signal, a new request may still be served; from then on, none is.
        int first = until("a new request to be refused after SIGTERM", Duration.ofSeconds(8), () -> {
            int status = status(get(""));
            return status == 503 || status < 0 ? status : null;
        });
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> later = get("");
            assertThat(status(later)).as("a new request after %s", first).isIn(503, -1);
            if (later != null) {
                assertThat(later.body()).doesNotContain("access_token")
                        .contains("\"error\":\"temporarily_unavailable\"");
                assertThat(later.headers().firstValue("Retry-After")).isPresent();
                assertThat(later.headers().firstValue("Cache-Control")).hasValue("no-store");
            }
        }
        assertThat(inFlight).as("the request in flight, before the IdP answers").isNotDone();

        HELD.release();
        HttpResponse<String> finished = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(finished.statusCode()).as(finished.body()).isEqualTo(200);
        assertThat(finished.body()).contains("\"access_token\":\"held-");

        Integer exit = broker.awaitExit(SHUTDOWN_TIMEOUT.plusSeconds(5));
        assertThat(exit).as("exit code; output:\n%s", broker.output()).isIn(0, 143);
        // Drained, not timed out: the process left before quarkus.shutdown.timeout ran out.
        assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(SHUTDOWN_TIMEOUT);
        assertThat(broker.output()).doesNotContain("Timed out waiting for graceful shutdown")
                .doesNotContain("Exception").doesNotContain("held-").doesNotContain("start-");
    }

    @Test
    void sigterm_whileTheIdpHangs_exitsWithinTheShutdownTimeout() throws Exception {
        CompletableFuture<HttpResponse<String>> inFlight = send("?min_ttl=600");
        assertThat(HELD.awaitArrival(Duration.ofSeconds(30))).as("the broker asked the IdP for a fresher token").isTrue();

        long signalled = System.nanoTime();
        broker.terminate();
        Integer exit = broker.awaitExit(SHUTDOWN_TIMEOUT.plusSeconds(10));
        Duration took = Duration.ofNanos(System.nanoTime() - signalled);
        assertThat(exit).as("exit code; output:\n%s", broker.output()).isIn(0, 143);
        assertThat(took).isGreaterThanOrEqualTo(SHUTDOWN_TIMEOUT.minusSeconds(1)).isLessThan(SHUTDOWN_TIMEOUT.plusSeconds(10));
        // Whatever the request in flight got, it is not a token.
        HttpResponse<String> answer = inFlight.handle((response, failure) -> response).get(5, TimeUnit.SECONDS);
        if (answer != null) {
            assertThat(answer.statusCode()).as(answer.body()).isNotEqualTo(200);
            assertThat(answer.body()).doesNotContain("access_token");
        }
    }

    /** {@link Eventually#until}, with the broker's output in the failure message. */
    private <T> T until(String what, Duration timeout, Supplier<T> probe) {
        try {
            return Eventually.until(what, timeout, probe);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the broker's output:\n" + broker.output(), e);
        }
    }

    private CompletableFuture<HttpResponse<String>> send(String query) {
        return http.sendAsync(request(query), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET of the resource on a new connection; {@code null} when the connection is refused or reset. */
    private HttpResponse<String> get(String query) {
        try {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build()
                    .send(request(query), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private HttpRequest request(String query) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.tokenPort() + "/v1/tokens/" + RESOURCE + query))
                .header("Metadata", "true").timeout(Duration.ofSeconds(30)).GET().build();
    }

    private static int status(HttpResponse<String> response) {
        return response == null ? -1 : response.statusCode();
    }
}
