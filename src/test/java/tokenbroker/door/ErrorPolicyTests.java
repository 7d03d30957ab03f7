package tokenbroker.door;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import tokenbroker.cache.MinTtlUnreachableException;
import tokenbroker.cache.RefreshThrottledException;
import tokenbroker.cache.TokenUnavailableException;
import tokenbroker.idp.AcquireFailure;

/** The one table from failure to answer (docs/design.md, "Failure policy"), door by door, and its one writer. */
class ErrorPolicyTests {

    @Test
    void refusal_onTheNativeDoor_keepsItsStatus_onAzureDoors_becomes400Except401And403() {
        for (int status : new int[] { 400, 401, 403, 404 }) {
            Refusal refusal = new Refusal(status, "code", "why");
            assertThat(ErrorPolicy.answer(Door.NATIVE, refusal).status()).isEqualTo(status);
            int azure = status == 401 || status == 403 ? status : 400;
            assertThat(ErrorPolicy.answer(Door.MSI, refusal).status()).isEqualTo(azure);
            assertThat(ErrorPolicy.answer(Door.IMDS, refusal).status()).isEqualTo(azure);
        }
    }

    @ParameterizedTest
    @EnumSource(Door.class)
    void unreachableIdp_is503WithRetryAfter_onEveryDoor(Door door) {
        var failure = new TokenUnavailableException("graph", new AcquireFailure.Unreachable("connection refused"),
                Duration.ofSeconds(7));
        ErrorAnswer answer = ErrorPolicy.answer(door, failure);
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.error()).isEqualTo("temporarily_unavailable");
        assertThat(ErrorWriter.retryAfter(answer)).isEqualTo("7");
    }

    @Test
    void rejectedByTheIdp_is502Natively_and400OnAzureDoors_withoutRetryAfter() {
        var failure = new TokenUnavailableException("graph", new AcquireFailure.Rejected("invalid_client", "bad secret", null),
                Duration.ofSeconds(60));
        assertThat(ErrorPolicy.answer(Door.NATIVE, failure).status()).isEqualTo(502);
        assertThat(ErrorPolicy.answer(Door.MSI, failure).status()).isEqualTo(400);
        assertThat(ErrorPolicy.answer(Door.IMDS, failure).error()).isEqualTo("idp_error");
        assertThat(ErrorWriter.retryAfter(ErrorPolicy.answer(Door.NATIVE, failure))).isNull();
    }

    @Test
    void throttledAndMinTtl_andUnexpected_haveTheirRows() {
        ErrorAnswer throttled = ErrorPolicy.answer(Door.NATIVE,
                new RefreshThrottledException("graph", Duration.ofSeconds(30), Duration.ofSeconds(4)));
        assertThat(throttled.status()).isEqualTo(503);
        assertThat(ErrorWriter.retryAfter(throttled)).isEqualTo("4");
        ErrorAnswer minTtl = ErrorPolicy.answer(Door.IMDS,
                new MinTtlUnreachableException("graph", Duration.ofSeconds(7200), Duration.ofSeconds(3600)));
        assertThat(minTtl.status()).isEqualTo(400);
        ErrorAnswer unexpected = ErrorPolicy.answer(Door.MSI, new IllegalStateException("secret detail"));
        assertThat(unexpected.status()).isEqualTo(500);
        assertThat(unexpected.description()).isEqualTo("internal error");
    }

    @Test
    void body_isTheOAuthShape_plusStatusCodeAndMessageOnTheAppServiceDoor_escaped() {
        ErrorAnswer answer = new ErrorAnswer(400, "invalid_resource", "no \"such\" resource\n", null);
        JsonObject oauth = new JsonObject(ErrorWriter.body(Door.NATIVE, answer));
        assertThat(oauth.fieldNames()).containsExactly("error", "error_description");
        assertThat(oauth.getString("error_description")).isEqualTo("no \"such\" resource\n");
        assertThat(new JsonObject(ErrorWriter.body(Door.IMDS, answer)).fieldNames()).containsExactly("error", "error_description");
        JsonObject appService = new JsonObject(ErrorWriter.body(Door.MSI, answer));
        assertThat(appService.fieldNames()).containsExactly("statusCode", "message", "error", "error_description");
        assertThat(appService.getInteger("statusCode")).isEqualTo(400);
        assertThat(appService.getString("message")).isEqualTo("invalid_resource: no \"such\" resource\n");
    }

    @Test
    void doorOfPath_givesTheAppServiceShapeToEveryAnswerUnderMsi() {
        assertThat(Door.ofPath("/msi/token")).isEqualTo(Door.MSI);
        assertThat(Door.ofPath("/metadata/identity/oauth2/token")).isEqualTo(Door.IMDS);
        assertThat(Door.ofPath("/v1/tokens/x")).isEqualTo(Door.NATIVE);
        assertThat(Door.ofPath(null)).isEqualTo(Door.NATIVE);
    }
}
