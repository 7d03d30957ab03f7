package tokenbroker.idp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class IdpErrorClassifierTests {

    private static final Instant NOW = Instant.parse("2025-11-24T10:15:42Z");

    /** What Entra answers a wrong client secret, byte for byte but for the ids. */
    static final String ENTRA_7000215 = new JsonObject()
            .put("error", "invalid_client")
            .put("error_description", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is"
                    + " the client secret value, not the client secret ID, for a secret added to app"
                    + " '9d6f7a4e-2b1c-4a3e-8f0d-5c6b7a8e9f01'.\r\nTrace ID: 0f5c0a43-6a2e-4b0c-9d8e-1a2b3c4d5e00\r\n"
                    + "Correlation ID: 3e5a1f2b-7c8d-4e9f-a0b1-c2d3e4f5a6b7\r\nTimestamp: 2025-11-24 10:15:42Z")
            .put("error_codes", new io.vertx.core.json.JsonArray().add(7000215))
            .put("timestamp", "2025-11-24 10:15:42Z")
            .put("trace_id", "0f5c0a43-6a2e-4b0c-9d8e-1a2b3c4d5e00")
            .put("correlation_id", "3e5a1f2b-7c8d-4e9f-a0b1-c2d3e4f5a6b7")
            .put("error_uri", "https://login.microsoftonline.com/error?code=7000215")
            .encode();

    @Test
    void classify_429WithRetryAfterSeconds_isUnreachableWithRetryAfter() {
        AcquireFailure failure = IdpErrorClassifier.classify(429, "30", "", NOW);

        assertThat(failure).isEqualTo(new AcquireFailure.Unreachable("the IdP is throttling us (HTTP 429)", Duration.ofSeconds(30)));
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.kind()).isEqualTo("unreachable");
    }

    @Test
    void classify_503WithRetryAfterHttpDate_isUnreachableWithTimeLeft() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(120).atOffset(ZoneOffset.UTC));
        assertThat(date).isEqualTo("Mon, 24 Nov 2025 10:17:42 GMT");

        AcquireFailure failure = IdpErrorClassifier.classify(503, date, "<html>Service Unavailable</html>", NOW);

        assertThat(failure).isEqualTo(new AcquireFailure.Unreachable("the IdP answered HTTP 503", Duration.ofSeconds(120)));
    }

    @Test
    void classify_serverErrorsAndTimeout_areUnreachable() {
        for (int status : new int[] { 408, 500, 502, 503, 504 }) {
            AcquireFailure failure = IdpErrorClassifier.classify(status, null, null, NOW);

            assertThat(failure).as("HTTP %d", status).isEqualTo(new AcquireFailure.Unreachable("the IdP answered HTTP " + status, null));
        }
    }

    @Test
    void classify_500WithOAuthError_keepsTheErrorInTheReason() {
        AcquireFailure failure = IdpErrorClassifier.classify(500, null, "{\"error\":\"server_error\"}", NOW);

        assertThat(failure).isEqualTo(new AcquireFailure.Unreachable("the IdP answered HTTP 500, server_error", null));
    }

    @Test
    void classify_temporarilyUnavailableWith400_isUnreachable() {
        AcquireFailure failure = IdpErrorClassifier.classify(400, "5",
                "{\"error\":\"temporarily_unavailable\",\"error_description\":\"try later\"}", NOW);

        assertThat(failure).isEqualTo(new AcquireFailure.Unreachable("the IdP answered HTTP 400, temporarily_unavailable",
                Duration.ofSeconds(5)));
    }

    @Test
    void classify_slowDownOrServerErrorWith400_isUnreachable() {
        for (String error : new String[] { "slow_down", "server_error" }) {
            assertThat(IdpErrorClassifier.classify(400, null, "{\"error\":\"" + error + "\"}", NOW).retryable()).as(error).isTrue();
        }
    }

    @Test
    void classify_400InvalidClient_isRejectedWithTheCode() {
        AcquireFailure failure = IdpErrorClassifier.classify(400, null,
                "{\"error\":\"invalid_client\",\"error_description\":\"Invalid client or Invalid client credentials\"}", NOW);

        assertThat(failure).isEqualTo(new AcquireFailure.Rejected("invalid_client", "Invalid client or Invalid client credentials", null));
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.describe()).isEqualTo("invalid_client: Invalid client or Invalid client credentials");
    }

    @Test
    void classify_otherOAuthErrors_areRejected() {
        for (String error : new String[] { "unauthorized_client", "invalid_scope", "invalid_grant", "unsupported_grant_type" }) {
            AcquireFailure failure = IdpErrorClassifier.classify(400, null, "{\"error\":\"" + error + "\"}", NOW);

            assertThat(failure).as(error).isEqualTo(new AcquireFailure.Rejected(error, null, null));
        }
    }

    @Test
    void classify_jsonBodyWithLeadingWhiteSpace_isStillRead() {
        AcquireFailure failure = IdpErrorClassifier.classify(400, null, "\n  {\"error\":\"temporarily_unavailable\"}", NOW);

        assertThat(failure.retryable()).isTrue();
        assertThat(failure.describe()).isEqualTo("the IdP answered HTTP 400, temporarily_unavailable");
    }

    @Test
    void classify_non200WithoutOAuthError_isRejectedAsHttpStatus() {
        for (String body : new String[] { "<html><body>401 Authorization Required</body></html>", "", null, "{not json", "{}",
                "{\"error\":42}", "{\"error\":\"  \"}", "[\"invalid_client\"]" }) {
            AcquireFailure failure = IdpErrorClassifier.classify(401, null, body, NOW);

            assertThat(failure).as(String.valueOf(body)).isEqualTo(new AcquireFailure.Rejected("http_401",
                    "the token endpoint answered HTTP 401 without an OAuth error", null));
        }
    }

    @Test
    void classify_entraInvalidSecret_givesCodeHintAndIds() {
        AcquireFailure failure = IdpErrorClassifier.classify(401, null, ENTRA_7000215, NOW);

        assertThat(failure).isInstanceOf(AcquireFailure.Rejected.class);
        AcquireFailure.Rejected rejected = (AcquireFailure.Rejected) failure;
        assertThat(rejected.error()).isEqualTo("invalid_client AADSTS7000215");
        assertThat(rejected.description()).isEqualTo("Invalid client secret provided. Ensure the secret being sent in the"
                + " request is the client secret value, not the client secret ID, for a secret added to app"
                + " '9d6f7a4e-2b1c-4a3e-8f0d-5c6b7a8e9f01'. [trace_id=0f5c0a43-6a2e-4b0c-9d8e-1a2b3c4d5e00,"
                + " correlation_id=3e5a1f2b-7c8d-4e9f-a0b1-c2d3e4f5a6b7]");
        assertThat(rejected.hint()).startsWith("invalid client secret: give the secret's Value, not its Secret ID");
        assertThat(rejected.retryable()).isFalse();
    }

    @Test
    void classify_entraThrottlingWithCode_isStillUnreachable() {
        String body = new JsonObject().put("error", "temporarily_unavailable")
                .put("error_description", "AADSTS50196: The server terminated an operation because it encountered a client request loop.")
                .put("error_codes", new io.vertx.core.json.JsonArray().add(50196)).encode();

        AcquireFailure failure = IdpErrorClassifier.classify(400, null, body, NOW);

        assertThat(failure).isEqualTo(new AcquireFailure.Unreachable("the IdP answered HTTP 400, temporarily_unavailable", null));
    }

    @Test
    void classify_controlCharactersInIdpText_areReplacedBySpaces() {
        String body = new JsonObject().put("error", "invalid_client\u001b[31m")
                .put("error_description", "bad\r\nsecret\u0000 here\u0007\tnow\u0085").encode();

        AcquireFailure.Rejected rejected = (AcquireFailure.Rejected) IdpErrorClassifier.classify(400, null, body, NOW);

        assertThat(rejected.error()).isEqualTo("invalid_client [31m");
        assertThat(rejected.description()).isEqualTo("bad  secret  here  now");
        assertThat(rejected.describe()).doesNotContainPattern("\\p{Cntrl}");
    }

    @Test
    void classify_tenKilobyteTexts_areTrimmed() {
        String novel = "x".repeat(10_240);
        String body = new JsonObject().put("error", "invalid_request" + novel).put("error_description", novel).encode();

        AcquireFailure.Rejected rejected = (AcquireFailure.Rejected) IdpErrorClassifier.classify(400, null, body, NOW);
        AcquireFailure.Unreachable unreachable = (AcquireFailure.Unreachable) IdpErrorClassifier.classify(503, null, body, NOW);

        assertThat(rejected.error()).hasSize(300).startsWith("invalid_request");
        assertThat(rejected.description()).hasSize(300);
        assertThat(unreachable.reason()).hasSizeLessThan(400);
    }

    @Test
    void retryAfter_absentZeroNegativeGarbageOrPast_isNull() {
        for (String header : new String[] { null, "", "  ", "0", "-30", "soon", "1.5",
                "Mon, 24 Nov 2025 10:15:41 GMT", "Mon, 24 Nov 2025 10:15:42 GMT" }) {
            assertThat(IdpErrorClassifier.retryAfter(header, NOW)).as(String.valueOf(header)).isNull();
        }
    }

    @Test
    void retryAfter_secondsWithWhiteSpace_isRead() {
        assertThat(IdpErrorClassifier.retryAfter(" 120 ", NOW)).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void retryAfter_hugeSeconds_isCappedAtOneDay() {
        assertThat(IdpErrorClassifier.retryAfter("999999999999", NOW)).isEqualTo(Duration.ofDays(1));
        assertThat(IdpErrorClassifier.retryAfter("99999999999999999999999", NOW)).isNull(); // not a long: unreadable
    }

    @Test
    void retryAfter_httpDateWithOtherZone_isRead() {
        assertThat(IdpErrorClassifier.retryAfter("Mon, 24 Nov 2025 11:16:42 +0100", NOW)).isEqualTo(Duration.ofMinutes(1));
    }
}
