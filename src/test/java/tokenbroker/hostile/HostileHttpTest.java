package tokenbroker.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tokenbroker.hostile.AnswerRules.Reply;
import tokenbroker.testing.Broker;
import tokenbroker.testing.Eventually;
import tokenbroker.testing.WireMockIdp;

/**
 * The hostile-input table ({@link HostileRequests}) sent byte for byte on a socket: every answer keeps
 * {@link AnswerRules}, and is the one its row expects. A refused request never gets a token, not even in a
 * second answer on the same connection; where a row says so, the connection is closed.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.HOSTILE))
class HostileHttpTest {

    /** How long a row that must close its connection waits for the server to do so. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(3);

    /** The resource's cached token, which no refused request may see. */
    private String token;

    static List<HostileRequest> rows() {
        return HostileRequests.all();
    }

    @BeforeEach
    void tokenIsCached() {
        // Real time: if the start-up request failed on a busy machine, the first request after its 1 s backoff retries.
        token = Eventually.until("a token for " + HostileProfile.RESOURCE, Duration.ofSeconds(20), () -> {
            var answer = Broker.token(HostileProfile.RESOURCE);
            return answer.statusCode() == 200 ? answer.jsonPath().getString("access_token") : null;
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void request_isAnsweredAsTheTableSays(HostileRequest row) {
        RawHttp.Answer answer = RawHttp.exchange(RestAssured.port, row.request(), row.closes() ? CLOSE_WAIT : Duration.ZERO);
        Reply reply = AnswerRules.of(answer);
        String what = row.name();
        HostileRequest.Expect expect = row.expect();
        switch (expect.outcome()) {
            case TOKEN -> assertThat(AnswerRules.assertToken(what, reply)).as(what).isEqualTo(token);
            case JSON_ERROR -> {
                AnswerRules.assertJsonError(what, reply, expect.status(), expect.error());
                AnswerRules.assertRefused(what, reply, List.of(token));
            }
            case BARE_ERROR -> {
                AnswerRules.assertRefused(what, reply, List.of(token));
                assertThat(reply.status()).as("%s: %s", what, answer).isEqualTo(expect.status());
                assertThat(reply.bare()).as("%s: a bare answer expected, got %s", what, answer).isTrue();
            }
            case REFUSED -> {
                AnswerRules.assertRefused(what, reply, List.of(token));
                assertThat(answer.answered() || answer.closed()).as("%s: neither answered nor closed", what).isTrue();
            }
            case NO_TOKEN -> {
                AnswerRules.assertSafe(what, reply);
                AnswerRules.assertNoToken(what, answer.body(), List.of(token));
            }
        }
        AnswerRules.assertNoToken(what + ", after the first answer", answer.after(), List.of(token));
        if (row.closes()) {
            assertThat(answer.closed()).as("%s: connection left open after %s", what, answer).isTrue();
            assertThat(answer.after()).as("%s: a second answer on a connection that should be closed", what).isEmpty();
        }
    }
}
