package tokenbroker.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static tokenbroker.testing.IdpStubs.forScope;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tokenbroker.cache.RefreshSweeper;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.FileSpec;
import tokenbroker.metrics.Scrape;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.WireMockIdp;

/**
 * Token files (SPEC §3.5) in the running broker, WireMock as the IdP and the clock faked: each format's bytes and
 * mode, a reader that never sees a partial, missing or short-lived file across refreshes, removal once the IdP has
 * been down until the token runs short and the file back on recovery, and a directory replaced at runtime.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.FILES))
class TokenFilesTest extends OnFakeTime {

    private static final Duration LIFETIME = Duration.ofSeconds(1000);
    private static final Duration MIN_SERVE_TTL = Duration.ofSeconds(10);
    /** min-serve-ttl plus two sweep intervals of 1 s: the file goes first. */
    private static final Duration KEEP = Duration.ofSeconds(12);

    @Inject
    RefreshSweeper sweeper;

    @Inject
    TokenFiles files;

    @Inject
    BrokerSetup setup;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @TestHTTPResource(value = "/health/ready", management = true)
    URL readiness;

    @BeforeEach
    void toAWholeSecond() {
        // Whole seconds: tokens obtained now expire on a whole second, which expires_on then states exactly.
        clock.set(clock.instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1));
    }

    @Test
    void files_ofEachFormat_holdExactlyTheToken_withTheirMode() throws Exception {
        idp.stubFor(forScope("files.formats").willReturn(IdpStubs.json(200,
                "{\"access_token\":\"eyJ.fmt-Token_1\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
        Response answer = Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", "files-formats");
        answer.then().statusCode(200);
        long expiresOn = answer.jsonPath().getLong("expires_on");
        synced();

        assertThat(path("formats-token")).hasContent("eyJ.fmt-Token_1");
        assertThat(path("formats-header")).hasContent("Authorization: Bearer eyJ.fmt-Token_1\n");
        // The native API's body, byte for byte (the clock stood still between the answer and the write).
        assertThat(Files.readString(path("formats-json"))).isEqualTo(answer.asString());
        assertThat(path("formats-env")).hasContent("API_TOKEN=eyJ.fmt-Token_1\nAPI_TOKEN_EXPIRES_ON=" + expiresOn + "\n");
        for (String name : List.of("formats-token", "formats-header", "formats-json")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path(name)))).as(name).isEqualTo("r--r-----");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path("formats-env")))).isEqualTo("r--------");
        try (var listed = Files.list(path("formats-token").getParent())) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("token", "header", "json", "env");
        }
        List<Map<String, Object>> shown = filesOf("files-formats");
        assertThat(shown).extracting(f -> f.get("name"), f -> f.get("state"))
                .containsExactly(tuple("formats-env", "written"), tuple("formats-header", "written"),
                        tuple("formats-json", "written"), tuple("formats-token", "written"));
        assertThat(shown.get(3)).containsEntry("path", path("formats-token").toString()).containsEntry("last_error", null);
    }

    @Test
    void reader_acrossSeveralRefreshesAndAnOutage_neverSeesAPartialMissingOrShortLivedFile() throws Exception {
        String resource = "files-refresh";
        Instant obtained = firstToken(resource);
        String current = Broker.accessToken(resource);
        awaitContent(path("refresh-token"), current);
        TokenFileReader reader = new TokenFileReader(path("refresh-json"), path("refresh-token"), clock, MIN_SERVE_TTL,
                Pattern.compile(Pattern.quote(resource) + "-[A-Za-z0-9]{20}")).start();
        int refreshes = 0;
        while ((refreshes < 5 || reader.reads() < 10_000) && refreshes < 30) {
            int readsBefore = reader.reads();
            clock.set(obtained.plus(LIFETIME.multipliedBy(6).dividedBy(10)));
            sweeper.tick();
            String previous = current;
            current = Eventually.until("a new token for " + resource, Duration.ofSeconds(10),
                    () -> previous.equals(Broker.accessToken(resource)) ? null : Broker.accessToken(resource));
            obtained = clock.instant();
            awaitContent(path("refresh-token"), current);
            Eventually.until("2,000 more reads", Duration.ofSeconds(20), () -> reader.reads() >= readsBefore + 2_000);
            refreshes++;
        }
        // Then the IdP goes down and the clock walks past expiry a second at a time, as the sweeper would see it.
        idp.stubFor(forScope(IdpStubs.BOOT_503 + resource).willReturn(IdpStubs.oauthError(503, "temporarily_unavailable", "down")));
        reader.allowMissing();
        Instant expires = obtained.plus(LIFETIME);
        for (clock.set(expires.minusSeconds(20)); clock.instant().isBefore(expires); clock.advance(Duration.ofSeconds(1))) {
            sweeper.tick();
            files.sync().get(10, TimeUnit.SECONDS);
            int readsBefore = reader.reads();
            Eventually.until("100 more reads", Duration.ofSeconds(10), () -> reader.reads() >= readsBefore + 100);
        }
        assertThat(path("refresh-token")).doesNotExist();
        List<String> violations = reader.stop();

        assertThat(violations).isEmpty();
        assertThat(reader.reads()).isGreaterThanOrEqualTo(10_000);
        assertThat(refreshes).isGreaterThanOrEqualTo(5);
        assertThat(reader.tokens()).as("tokens the reader saw").hasSizeGreaterThanOrEqualTo(refreshes);
    }

    @Test
    void file_whenIdpDownUntilTheTokenRunsShort_isRemovedBeforeTheTokenIsRefused_andBackAfterRecovery() throws Exception {
        String resource = "files-outage";
        Path file = path("outage");
        Instant expires = firstToken(resource).plus(LIFETIME);
        String old = Broker.accessToken(resource);
        awaitContent(file, "Authorization: Bearer " + old + "\n");
        idp.stubFor(forScope(IdpStubs.BOOT_503 + resource).willReturn(IdpStubs.oauthError(503, "temporarily_unavailable", "down")));

        for (clock.set(expires.minusSeconds(30)); !clock.instant().isAfter(expires.minus(KEEP)); clock.advance(Duration.ofSeconds(1))) {
            sweeper.tick();
            Broker.awaitIdle(resource);
            synced();
            assertThat(file).as("at %s", clock.instant()).hasContent("Authorization: Bearer " + old + "\n");
        }
        synced(); // one second past expiry - keep: 11 s left
        assertThat(file).doesNotExist();
        assertThat(Broker.accessToken(resource)).as("the broker itself serves it 1 s longer").isEqualTo(old);
        JsonPath ready = readiness();
        assertThat(ready.getString("status")).isEqualTo("DOWN");
        assertThat(ready.getString("checks.find { it.name == 'token-files' }.data.outage")).isEqualTo("absent");
        assertThat(ready.getString("checks.find { it.name == 'token-files' }.status")).isEqualTo("DOWN");

        clock.set(expires.minusSeconds(5));
        Broker.token(resource).then().statusCode(503);
        synced();
        assertThat(file).doesNotExist();

        idp.stubFor(forScope(IdpStubs.BOOT_503 + resource).willReturn(IdpStubs.token(resource, LIFETIME.toSeconds())));
        Broker.pastBackoff(resource, clock);
        sweeper.tick();
        String recovered = Eventually.until("a token again", Duration.ofSeconds(10),
                () -> Broker.token(resource).statusCode() == 200 ? Broker.accessToken(resource) : null);
        awaitContent(file, "Authorization: Bearer " + recovered + "\n");
        assertThat(recovered).isNotEqualTo(old);
    }

    @Test
    void file_whoseDirectoryIsReplacedByAFile_failsVisiblyAndCounted_andIsWrittenAgainOnceItIsBack() throws Exception {
        Path file = path("broken");
        Path directory = file.getParent();
        synced();
        String first = Files.readString(file);
        Scrape before = Scrape.of(metrics);
        Files.delete(file);
        Files.delete(directory);
        Files.writeString(directory, "in the way"); // tests run as root: permission bits would not stop the broker

        String second = Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", "files-broken")
                .then().statusCode(200).extract().path("access_token");
        assertThat(second).isNotEqualTo(first);
        synced();
        Map<String, Object> shown = filesOf("files-broken").get(0);
        assertThat(shown).containsEntry("state", "failing");
        assertThat((String) shown.get("last_error")).startsWith("cannot write " + file).contains("Not a directory")
                .doesNotContain(second);
        assertThat(Scrape.of(metrics).delta(before, "broker_token_file_write_failures_total", "file", "broken", "resource",
                "files-broken")).isPositive();
        JsonPath ready = readiness();
        assertThat(ready.getString("checks.find { it.name == 'token-files' }.data.broken")).isEqualTo("failing");
        assertThat(ready.getString("checks.find { it.name == 'token-files' }.data.'broken.last_error'")).contains("Not a directory");

        Files.delete(directory);
        Files.createDirectory(directory);
        synced(); // the next sweep retries
        assertThat(file).hasContent(second);
        assertThat(filesOf("files-broken").get(0)).containsEntry("state", "written").containsEntry("last_error", null);
    }

    /** Waits for the file writer: every write submitted so far is done. */
    private void synced() throws Exception {
        files.sync().get(10, TimeUnit.SECONDS);
    }

    private Path path(String file) {
        return setup.files().stream().filter(f -> f.name().equals(file)).map(FileSpec::path).findFirst().orElseThrow();
    }

    private static void awaitContent(Path file, String content) {
        Eventually.until(file + " to hold the current token", Duration.ofSeconds(10), () -> {
            try {
                return Files.readString(file).equals(content);
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    private static List<Map<String, Object>> filesOf(String resource) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> shown = (List<Map<String, Object>>) Broker.resource(resource).get("files");
        return shown;
    }

    private JsonPath readiness() {
        return new JsonPath(RestAssured.given().get(readiness).asString());
    }

    /**
     * The first token of a resource whose start-up request failed ({@link IdpStubs#BOOT_503}), obtained at a known
     * instant of the fake clock.
     */
    private Instant firstToken(String resource) {
        Broker.awaitIdle(resource);
        idp.stubFor(forScope(IdpStubs.BOOT_503 + resource).willReturn(IdpStubs.token(resource, LIFETIME.toSeconds())));
        Instant now = Broker.pastBackoff(resource, clock);
        Broker.token(resource).then().statusCode(200);
        return now;
    }
}
