package tokenbroker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tokenbroker.it.TokenPoller.Observation;

/**
 * The packaged broker ({@code target/quarkus-app/quarkus-run.jar}, run with Dockerfile.jvm's JVM flags) against a
 * real Keycloak: grants with a secret and with signed JWTs, proactive refresh across two token lifetimes, a secret
 * rotated without a restart, a rejected secret, and an outage of the network to Keycloak.
 *
 * <p>The long waits overlap: a caller starts before the first test and asks every 300 ms for a token lifetime and
 * a half (65 s) while the other tests run; {@link #refresh_acrossALifetimeAndAHalf_isProactive_andOneIdpRequestPerRefresh}
 * then checks what it saw. The outage is a {@link BlackHoleRelay} that only the {@code outage-*} resources go
 * through (clients of their own: their grants are not counted with the caller's), so it runs meanwhile.
 */
@QuarkusIntegrationTest
@WithTestResource(value = KeycloakResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerWithKeycloakIT {

    /**
     * The realm's 40 s tokens, watched for one lifetime and a half, and a little more (65 s): every token the caller
     * sees passes its half-life and the point where a broker that refreshes at the last moment would serve 10 s,
     * and at least two refreshes fall in the window. Not shorter: test 6 needs a minute anyway.
     */
    private static final Duration LIFETIME = Duration.ofSeconds(40);
    private static final Duration WATCHED = LIFETIME.plus(LIFETIME.dividedBy(2)).plusSeconds(5);
    private static final Duration MIN_SERVE_TTL = Duration.ofSeconds(10);
    private static final Duration BACKOFF_MAX = Duration.ofSeconds(60);

    /** Started before the first test of this class; JUnit runs the tests of a class one after another. */
    private static TokenPoller caller;
    /** Kept-alive connections to both interfaces, left idle while the tests run (production's idle timeout). */
    private static IdleConnection idleTokenConnection;
    private static IdleConnection idleManagementConnection;

    private final KeycloakAdmin keycloak = KeycloakAdmin.current();

    @BeforeEach
    void brokerReady_andCallerStarted() throws InterruptedException {
        LaunchedBroker.await("the broker is ready", Duration.ofSeconds(60), () -> LaunchedBroker.health("ready").statusCode() == 200);
        if (caller == null) {
            caller = TokenPoller.start(LaunchedBroker.uri(), List.of("secret", "jwt"), Duration.ofMillis(300), WATCHED);
            idleTokenConnection = IdleConnection.open(LaunchedBroker.uri().getPort(), "/v1/tokens/secret");
            idleManagementConnection = IdleConnection.open(LaunchedBroker.managementPort(), "/q/health/live");
        }
    }

    @Test
    @Order(1)
    void token_ofSecretAndSignedJwtClients_isActiveAtKeycloak() {
        assertActiveAtKeycloak("secret", "broker-secret", "api://demo");
        assertActiveAtKeycloak("jwt", "broker-jwt", "api://demo");
        assertActiveAtKeycloak("jwt-p12", "broker-jwt-rs256", "https://vault.azure.net");
    }

    @Test
    @Order(2)
    void secret_rotatedInKeycloakThenInTheFile_isUsedWithoutRestart() throws Exception {
        Path secretFile = Path.of(System.getProperty("broker.identities.kc-rotate.secret-file"));
        String oldSecret = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
        String before = LaunchedBroker.token("rotate").then().statusCode(200).extract().path("access_token");

        String newSecret = keycloak.rotateSecret("broker-long");
        try {
            Instant rotated = Instant.now();
            assertThat(!newSecret.isBlank() && !same(newSecret, oldSecret)).as("Keycloak made a new secret").isTrue();
            HttpResponse<String> oldGrant = keycloak.grant("broker-long", oldSecret);
            assertThat(oldGrant.statusCode()).as("Keycloak refuses the old secret after the rotation").isEqualTo(401);

            // The cached token keeps coming while the file still holds the old secret.
            assertThat(same(LaunchedBroker.token("rotate").then().statusCode(200).extract().path("access_token"), before))
                    .as("the cached token is served").isTrue();

            // As a Secret volume update would: the new file appears whole.
            Path next = secretFile.resolveSibling("rotate-secret.next");
            Files.writeString(next, newSecret, StandardCharsets.UTF_8);
            Files.move(next, secretFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            String after = LaunchedBroker.forceRefresh("rotate").then().statusCode(200).extract().path("access_token");
            assertThat(same(after, before)).as("force_refresh brings a new token").isFalse();
            JsonNode introspection = keycloak.introspect(after);
            assertThat(introspection.path("active").asBoolean()).isTrue();
            assertThat(introspection.path("client_id").asText()).isEqualTo("broker-long");
            assertThat(keycloak.clientLogins("broker-long")).as("Keycloak's grants of broker-long since the rotation")
                    .filteredOn(t -> t.isAfter(rotated)).hasSize(1);
            assertThat(LaunchedBroker.resourceView("rotate").getString("state")).isEqualTo("fresh");
            assertThat(same(LaunchedBroker.token("rotate").then().statusCode(200).extract().path("access_token"), after))
                    .as("the new token is cached").isTrue();
        } finally {
            // Keycloak lives for the whole run: the next broker launch copies the secret keycloak.sh rendered.
            keycloak.restoreSecret("broker-long", oldSecret);
        }
    }

    @Test
    @Order(3)
    void wrongSecret_answers502WithKeycloaksError_andIsFailingButOptional() throws InterruptedException {
        LaunchedBroker.token("wrong").then().statusCode(502)
                .header("Cache-Control", "no-store")
                .body("error", is("idp_error"))
                .body("error_description", containsString("unauthorized_client"));
        LaunchedBroker.await("resource 'wrong' shows its failure", Duration.ofSeconds(5),
                () -> "failing".equals(LaunchedBroker.resourceView("wrong").getString("state")));
        JsonPath view = LaunchedBroker.resourceView("wrong");
        assertThat(view.getString("last_error")).contains("unauthorized_client");
        assertThat(view.getBoolean("required")).isFalse();
        assertThat(view.getInt("failures")).isPositive();

        // Readiness covers required resources only: 'wrong' is optional here, so readiness is UP and its data says
        // why 'wrong' fails (RejectedSecretReadinessIT launches the broker with 'wrong' required: DOWN).
        Response ready = LaunchedBroker.health("ready");
        ready.then().statusCode(200).body("status", is("UP"));
        JsonPath data = new JsonPath(ready.asString()).setRootPath("checks.find { it.name == 'tokens' }.data");
        assertThat(data.getString("wrong")).isEqualTo("failing (optional)");
        assertThat(data.getString("'wrong.last_error'")).contains("unauthorized_client");
        assertThat(data.getString("secret")).isIn("fresh", "refreshing");
    }

    @Test
    @Order(5)
    void refresh_acrossALifetimeAndAHalf_isProactive_andOneIdpRequestPerRefresh() throws Exception {
        List<Observation> seen = caller.awaitDone();
        Instant from = caller.startedAt();
        Instant to = caller.endAt();
        assertAll(() -> assertRefreshedByItself("secret", "broker-secret", seen, from, to),
                () -> assertRefreshedByItself("jwt", "broker-jwt", seen, from, to));
    }

    /**
     * The production idle timeout (60 s on both interfaces, application.properties; Quarkus' default would be 30
     * minutes): a kept-alive connection left idle since the first test is closed by the broker after a minute, not
     * before. Watched while the tests above ran, so it costs no time of its own.
     */
    @Test
    @Order(6)
    void idleKeptAliveConnections_areClosedAfterTheProductionIdleTimeout() throws Exception {
        for (IdleConnection idle : List.of(idleTokenConnection, idleManagementConnection)) {
            Duration after = idle.closedAfter(Duration.ofSeconds(70));
            assertThat(idle.statusLine()).startsWith("HTTP/1.1 200 ");
            // Vert.x checks idle connections about every half second; a loaded machine may be a little late.
            assertThat(after).as("closed after").isBetween(Duration.ofSeconds(59), Duration.ofSeconds(68));
        }
    }

    @Test
    @Order(4)
    void keycloakUnreachable_longerThanATokenLives_cachedTokenUntilMinServeTtl_then503_thenTokensWithin60sOfTheThaw()
            throws Exception {
        BlackHoleRelay relay = KeycloakResource.relay();
        String cached = LaunchedBroker.token("outage-secret").then().statusCode(200).extract().path("access_token");
        LaunchedBroker.token("outage-jwt").then().statusCode(200);
        // Connections to the relay are accepted and never answered: the black hole of issue 10.
        relay.freeze();
        Instant frozen = Instant.now();
        try {
            // The cached token is served, never with less than min-serve-ttl left, then 503 with Retry-After.
            List<Integer> expiresIn = new ArrayList<>();
            Response refused = null;
            Instant deadline = frozen.plus(LIFETIME).plusSeconds(15);
            while (refused == null && Instant.now().isBefore(deadline)) {
                Response r = LaunchedBroker.token("outage-secret");
                if (r.statusCode() == 200) {
                    assertThat(same(r.jsonPath().getString("access_token"), cached)).as("only the cached token exists").isTrue();
                    expiresIn.add(r.jsonPath().getInt("expires_in"));
                    Thread.sleep(250);
                } else {
                    refused = r;
                }
            }
            assertThat(refused).as("a 503 once the cached token reaches min-serve-ttl").isNotNull();
            refused.then().statusCode(503)
                    .header("Cache-Control", "no-store")
                    .body("error", is("temporarily_unavailable"))
                    .body("error_description", containsString("127.0.0.1:" + relay.port()));
            assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, (int) BACKOFF_MAX.toSeconds());
            assertThat(expiresIn).as("expires_in of the cached token while Keycloak is unreachable").isNotEmpty()
                    .allSatisfy(s -> assertThat(s).isGreaterThanOrEqualTo((int) MIN_SERVE_TTL.toSeconds()));
            assertThat(expiresIn.get(expiresIn.size() - 1)).as("served until min-serve-ttl, not dropped early")
                    .isLessThanOrEqualTo((int) MIN_SERVE_TTL.toSeconds() + 2);

            // Readiness follows the tokens (a required resource has none); liveness does not restart a pod for it.
            LaunchedBroker.health("ready").then().statusCode(503).body("status", is("DOWN"));
            LaunchedBroker.health("live").then().statusCode(200).body("status", is("UP"));
            // Unreachable for longer than a token lives: every exchange of the broker met the black hole.
            Duration left = LIFETIME.plusSeconds(5).minus(Duration.between(frozen, Instant.now()));
            if (!left.isNegative()) {
                Thread.sleep(left.toMillis());
            }
        } finally {
            relay.thaw();
        }
        Instant thawed = Instant.now();
        Duration recovered = LaunchedBroker.await("a token again after the thaw", Duration.ofSeconds(60),
                () -> LaunchedBroker.token("outage-secret").statusCode() == 200);
        String fresh = LaunchedBroker.token("outage-secret").then().statusCode(200).extract().path("access_token");
        assertThat(same(fresh, cached)).as("a new token once Keycloak answers again").isFalse();
        assertThat(keycloak.through(relay.port()).introspect(fresh).path("active").asBoolean()).isTrue();
        LaunchedBroker.await("the signed-JWT client's token again", Duration.ofSeconds(60).minus(Duration.between(thawed, Instant.now())),
                () -> LaunchedBroker.token("outage-jwt").statusCode() == 200);
        LaunchedBroker.await("readiness UP again", Duration.ofSeconds(60).minus(Duration.between(thawed, Instant.now())),
                () -> LaunchedBroker.health("ready").statusCode() == 200);
        System.out.printf("keycloak-it: outage: %d s unreachable; token again %d s after the thaw%n",
                Duration.between(frozen, thawed).toSeconds(), recovered.toSeconds());
    }

    /** Compares tokens or secrets without putting them in a failure message: they stay out of test output too. */
    private static boolean same(String token, String other) {
        return token != null && token.equals(other);
    }

    private void assertActiveAtKeycloak(String resource, String clientId, String audience) {
        Instant asked = Instant.now();
        JsonPath body = LaunchedBroker.token(resource).then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token_type", is("Bearer"))
                .body("resource", is(resource))
                .extract().jsonPath();
        String token = body.getString("access_token");
        assertThat(body.getInt("expires_in")).isBetween((int) MIN_SERVE_TTL.toSeconds(), (int) LIFETIME.toSeconds());
        assertThat(body.getLong("expires_on")).isBetween(asked.getEpochSecond() + MIN_SERVE_TTL.toSeconds(),
                asked.getEpochSecond() + LIFETIME.toSeconds() + 1);
        assertThat(body.getString("scope")).contains(audience + "/.default");

        JsonNode introspection = keycloak.introspect(token);
        assertThat(introspection.path("active").asBoolean()).as(resource + " token active at Keycloak").isTrue();
        assertThat(introspection.path("client_id").asText()).isEqualTo(clientId);
        assertThat(introspection.path("azp").asText()).isEqualTo(clientId);
        assertThat(introspection.path("aud").toString()).contains(audience);

        JsonPath view = LaunchedBroker.resourceView(resource);
        assertThat(view.getString("client_id")).isEqualTo(clientId);
        assertThat(view.getString("last_error")).isNull();
    }

    /**
     * What a caller asking every 300 ms for a lifetime and a half saw, against Keycloak's record of grants: no error, never
     * a token near its end, and new tokens at about half-life, each from exactly one IdP request.
     */
    private void assertRefreshedByItself(String resource, String clientId, List<Observation> all, Instant from, Instant to) {
        List<Observation> seen = all.stream().filter(o -> o.resource().equals(resource)).collect(Collectors.toList());
        assertThat(seen).as(resource + ": requests").hasSizeGreaterThan(150);
        List<Observation> failed = seen.stream().filter(o -> !o.ok()).collect(Collectors.toList());
        assertThat(failed.size()).as(resource + ": answers that were not 200, the first: "
                + failed.stream().limit(5).collect(Collectors.toList())).isZero();

        // SPEC §4: nothing with less than min-serve-ttl left. Keycloak's expires_in is whole seconds counted from
        // its own clock second, so the JWT's exp may lie up to 1 s before the broker's view of the expiry.
        assertThat(seen).as(resource + ": expires_in").allSatisfy(o -> assertThat(o.expiresIn()).isGreaterThanOrEqualTo(MIN_SERVE_TTL.toSeconds()));
        assertThat(seen).as(resource + ": JWT exp against the local clock when asked")
                .allSatisfy(o -> assertThat(o.jwtExp() * 1000 - o.sentAt().toEpochMilli()).isGreaterThan(MIN_SERVE_TTL.toMillis() - 1000));
        // Proactive: refreshed at half-life (20 s left, ±10%), so a caller never sees much less than that (less the
        // sweeper's second, Keycloak's short second and rounding); a refresh at the last moment shows 10.
        long least = seen.stream().mapToLong(Observation::expiresIn).min().orElseThrow();
        assertThat(least).as(resource + ": least expires_in seen (refresh at half-life)").isGreaterThanOrEqualTo(14);

        Set<String> tokens = seen.stream().map(Observation::token).collect(Collectors.toCollection(LinkedHashSet::new));
        int changes = tokens.size() - 1;
        // One refresh every 18..23 s (half-life ±10%, plus the sweeper's second) in a 65 s window: 2 to 4 (the first
        // one 0..23 s into the window, depending on the age of the token at its start).
        assertThat(changes).as(resource + ": new tokens seen in " + WATCHED.toSeconds() + " s").isBetween(2, 4);
        List<Instant> grants = keycloak.clientLogins(clientId).stream()
                .filter(t -> !t.isBefore(from) && !t.isAfter(to)).collect(Collectors.toList());
        // Each new token is one grant; one more may fall after the caller's last request.
        assertThat(grants.size()).as(resource + ": Keycloak's CLIENT_LOGIN events of " + clientId + " while " + seen.size()
                + " requests were answered; grants at " + grants).isBetween(changes, changes + 1);
        System.out.printf("keycloak-it: %s: %d requests, %d new tokens, %d grants at Keycloak, least expires_in %d s%n",
                resource, seen.size(), changes, grants.size(), least);
    }
}
