package tokenbroker.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tokenbroker.edge.SocketIdp.Mode;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.WireForm;

/**
 * Issue 10: no network fault may take the broker down for good. The IdP is a bare socket ({@link SocketIdp}) that
 * turns into a black hole, or stalls half way through its answer, for more consecutive attempts than the client's
 * connection pool has connections (5), then heals; and one that resets a connection after reading a token request.
 * Real time, by nature: the deadlines under test are the network's (1 s here).
 */
@QuarkusTest
@WithTestResource(SocketIdpResource.class)
class IdpEdgeTest {

    /** More stuck exchanges than quarkus-oidc-client's pool (Vert.x default: 5 connections). */
    private static final int STUCK_ATTEMPTS = 6;

    private final SocketIdp idp = SocketIdpResource.idp;

    @AfterEach
    void heal() {
        idp.mode(Mode.ANSWER);
        idp.lifetime(3600);
    }

    @Test
    void blackHole_forMoreAttemptsThanThePool_thenHealed_freshTokenWithinOneBackoff() {
        assertRecovers(Mode.BLACK_HOLE);
    }

    @Test
    void answerStallingHalfWay_forMoreAttemptsThanThePool_thenHealed_freshTokenWithinOneBackoff() {
        assertRecovers(Mode.STALL_MID_ANSWER);
    }

    /**
     * Tokens of 3 s (min-serve-ttl 1 s): the broker's own schedule keeps asking. While the IdP swallows every
     * request, each exchange ends at its deadline and its connection is closed; once it answers, the next attempt
     * the backoff (at most 400 ms) and the sweep (every second) allow brings a token.
     */
    private void assertRecovers(Mode fault) {
        idp.lifetime(3);
        Broker.awaitIdle("edge");
        String before = Eventually.until("a 3 s token", Duration.ofSeconds(5), () -> {
            Response answer = Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/edge");
            return answer.statusCode() == 200 && answer.jsonPath().getInt("expires_in") <= 3
                    ? answer.jsonPath().getString("access_token") : null;
        });
        int requestsBefore = idp.requests("edge.read");
        idp.mode(fault);
        // Callers asking meanwhile start the attempts as soon as each backoff ends (no servable token is left).
        Eventually.until(STUCK_ATTEMPTS + " swallowed token requests", Duration.ofSeconds(40), () -> {
            Broker.token("edge");
            return idp.requests("edge.read") - requestsBefore >= STUCK_ATTEMPTS;
        });
        // Every abandoned exchange was ended: at most the current attempt of each resource holds a connection.
        assertThat(idp.openConnections()).as("connections still open at the IdP").isLessThanOrEqualTo(2);
        Response down = Broker.token("edge");
        assertThat(down.statusCode()).as(down.asString()).isEqualTo(503);
        assertThat(down.header("Retry-After")).matches("[1-9][0-9]*");

        idp.mode(Mode.ANSWER);
        long healed = System.nanoTime();
        String after = Eventually.until("a token after the IdP healed", Duration.ofSeconds(10), () -> {
            Response answer = Broker.token("edge");
            return answer.statusCode() == 200 ? answer.jsonPath().getString("access_token") : null;
        });
        Duration took = Duration.ofNanos(System.nanoTime() - healed);
        // An in-flight attempt's deadline (1 s) + one backoff (400 ms at most) + one sweep (1 s) + the exchange.
        assertThat(took).as("time from healing to a token").isLessThan(Duration.ofMillis(3500));
        assertThat(after).isNotEqualTo(before);
        idp.lifetime(3600);
        Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/edge").then().statusCode(200);
        Eventually.until("the abandoned connections closed", Duration.ofSeconds(5), () -> idp.openConnections() == 0);
    }

    /**
     * SPEC §5: every POST that reaches the IdP carries an assertion never sent before. quarkus-oidc-client resends
     * the same form once when the connection is reset; the broker refuses that resend and backs off, and the next
     * attempt signs a new assertion.
     */
    @Test
    void resetAfterReadingTheRequest_neverTheSameJtiTwice_thenAToken() {
        String before = idleToken("edge-jwt");
        int from = idp.requests();
        idp.mode(Mode.RESET_ONCE);
        String after = forcedNewToken("edge-jwt", before);
        assertThat(after).isNotEqualTo(before);
        List<String> jtis = jtis(idp.bodies().subList(from, idp.requests()));
        // The reset request, then the next attempt's: the resend of the first was refused.
        assertThat(jtis).hasSizeGreaterThanOrEqualTo(2);
        assertThat(new HashSet<>(jtis)).as("jti of every POST").hasSameSizeAs(jtis);
    }

    /** A secret form carries nothing that may not be sent twice: the library's one resend after a reset is kept. */
    @Test
    void resetAfterReadingASecretRequest_isResentOnce_andAnswered() {
        String before = idleToken("edge");
        int from = idp.requests();
        idp.mode(Mode.RESET_ONCE);
        forcedNewToken("edge", before);
        assertThat(idp.requests() - from).as("the reset request and its resend").isEqualTo(2);
    }

    /**
     * No connection outlives its exchange (and so none can go stale between refreshes): each token request opens its
     * own and the broker closes it once answered, although this IdP would keep it open.
     */
    @Test
    void everyTokenRequest_hasAConnectionOfItsOwn_closedOnceAnswered() {
        String token = idleToken("edge");
        int requests = idp.requests();
        int connections = idp.connections();
        for (int i = 0; i < 3; i++) {
            token = forcedNewToken("edge", token);
        }
        assertThat(idp.requests() - requests).isEqualTo(3);
        assertThat(idp.connections() - connections).as("new connections for 3 token requests").isEqualTo(3);
        Eventually.until("the answered connections closed by the broker", Duration.ofSeconds(5), () -> idp.openConnections() == 0);
    }

    private static String idleToken(String resource) {
        Broker.awaitIdle(resource);
        return Broker.accessToken(resource);
    }

    /**
     * Asks with {@code force_refresh} until a token other than {@code before} comes: within force-interval (500 ms)
     * a force gets the cached token, and after a failure the backoff (at most 400 ms) answers 503.
     */
    private static String forcedNewToken(String resource, String before) {
        return Eventually.until("a new token of " + resource, Duration.ofSeconds(10), () -> {
            Response answer = Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", resource);
            String token = answer.statusCode() == 200 ? answer.jsonPath().getString("access_token") : null;
            return token != null && !token.equals(before) ? token : null;
        });
    }

    private static final Pattern ASSERTION = Pattern.compile("client_assertion=([^&]+)");

    /** The {@code jti} of the client assertion of each body that carries one. */
    private static List<String> jtis(List<String> bodies) {
        List<String> jtis = new ArrayList<>();
        for (String body : bodies) {
            Matcher m = ASSERTION.matcher(body);
            if (m.find()) {
                String jws = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
                jtis.add(String.valueOf(WireForm.Jws.parse(jws).claims().get("jti")));
            }
        }
        return jtis;
    }
}
