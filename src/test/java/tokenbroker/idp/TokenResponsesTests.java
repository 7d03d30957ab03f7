package tokenbroker.idp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.quarkus.oidc.client.Tokens;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import tokenbroker.token.AccessToken;
import tokenbroker.token.RefreshPolicy;

class TokenResponsesTests {

    private static final Instant SENT = Instant.parse("2025-11-24T10:00:00Z");
    private static final String OPAQUE = "opaque-access-token-value";
    /** Ten years of 366 days: the longest lifetime the broker believes. */
    private static final Duration TEN_YEARS = Duration.ofDays(10L * 366);

    @Test
    void toAccessToken_expiresInAsNumber_countsFromSent() {
        AccessToken token = read(answer(OPAQUE).put("expires_in", 3599).put("scope", "https://graph.microsoft.com/.default"));

        assertThat(token.value()).isEqualTo(OPAQUE);
        assertThat(token.obtainedAt()).isEqualTo(SENT);
        assertThat(token.expiresAt()).isEqualTo(SENT.plusSeconds(3599));
        assertThat(token.refreshIn()).isNull();
        assertThat(token.scope()).isEqualTo("https://graph.microsoft.com/.default");
    }

    @Test
    void toAccessToken_expiresInAsString_countsFromSent() {
        // Entra's v1 endpoint and some gateways send numbers as strings.
        assertThat(read(answer(OPAQUE).put("expires_in", "3599")).expiresAt()).isEqualTo(SENT.plusSeconds(3599));
        assertThat(read(answer(OPAQUE).put("expires_in", " 300 ")).expiresAt()).isEqualTo(SENT.plusSeconds(300));
    }

    @Test
    void toAccessToken_expiresInBeatsJwtExp() {
        String jwt = jwt(new JsonObject().put("exp", SENT.plusSeconds(7200).getEpochSecond()));

        assertThat(read(answer(jwt).put("expires_in", 600)).expiresAt()).isEqualTo(SENT.plusSeconds(600));
    }

    @Test
    void toAccessToken_jwtExpJustBeforeSentPlusExpiresIn_isTrusted() {
        // Keycloak: iat and exp in whole seconds, the request sent 0.9 s into the second: exp comes 0.9 s earlier.
        Instant sent = SENT.plusMillis(900);
        String jwt = jwt(new JsonObject().put("exp", SENT.plusSeconds(60).getEpochSecond()));

        assertThat(TokenResponses.toAccessToken(tokens(answer(jwt).put("expires_in", 60)), sent).expiresAt())
                .isEqualTo(SENT.plusSeconds(60));
    }

    @Test
    void toAccessToken_jwtExpFarBeforeSentPlusExpiresIn_movesExpiryByTwoSecondsAtMost() {
        // A clock skewed by minutes must not make a good token look expired.
        String jwt = jwt(new JsonObject().put("exp", SENT.plusSeconds(60 - 300).getEpochSecond()));

        assertThat(read(answer(jwt).put("expires_in", 60)).expiresAt()).isEqualTo(SENT.plusSeconds(58));
    }

    @Test
    void toAccessToken_noExpiresInButJwtExp_usesExp() {
        String jwt = jwt(new JsonObject().put("sub", "app").put("exp", SENT.plusSeconds(3600).getEpochSecond()));

        AccessToken token = read(answer(jwt));

        assertThat(token.expiresAt()).isEqualTo(SENT.plusSeconds(3600));
    }

    @Test
    void toAccessToken_noExpiresInAndJwtExpPassed_isMalformed() {
        for (long exp : new long[] { SENT.minusSeconds(1).getEpochSecond(), SENT.getEpochSecond(), 0, -1, Long.MIN_VALUE }) {
            String jwt = jwt(new JsonObject().put("exp", exp));

            assertThat(malformed(answer(jwt))).as("exp %d", exp).startsWith("the IdP's token is already expired");
        }
    }

    @Test
    void toAccessToken_opaqueTokenWithoutExpiresIn_isMalformed() {
        for (String value : new String[] { OPAQUE, "a.b.c", jwt(new JsonObject().put("exp", "tomorrow")), jwt(new JsonObject()) }) {
            assertThat(malformed(answer(value))).as(value).isEqualTo("the IdP's answer has neither expires_in nor a JWT exp claim");
        }
    }

    @Test
    void toAccessToken_noAccessToken_isMalformed() {
        assertThat(malformed(answer(null).put("expires_in", 3600))).isEqualTo("the IdP's answer has no access_token");
        assertThat(malformed(answer(" ").put("expires_in", 3600))).isEqualTo("the IdP's answer has no access_token");
    }

    @Test
    void toAccessToken_tokenTypeBearerInAnyCase_isAccepted() {
        for (String type : new String[] { "bearer", "Bearer", "BEARER" }) {
            assertThat(read(answer(OPAQUE).put("token_type", type).put("expires_in", 60)).value()).as(type).isEqualTo(OPAQUE);
        }
    }

    @Test
    void toAccessToken_tokenTypeMissing_isAccepted() {
        JsonObject answer = answer(OPAQUE).put("expires_in", 60);
        answer.remove("token_type");

        assertThat(read(answer).expiresAt()).isEqualTo(SENT.plusSeconds(60));
    }

    @Test
    void toAccessToken_tokenTypeDpopOrMac_isRefused() {
        assertThat(malformed(answer(OPAQUE).put("token_type", "DPoP").put("expires_in", 60)))
                .isEqualTo("the IdP's token_type is 'DPoP', not Bearer");
        assertThat(malformed(answer(OPAQUE).put("token_type", "mac").put("expires_in", 60)))
                .isEqualTo("the IdP's token_type is 'mac', not Bearer");
    }

    @Test
    void toAccessToken_zeroOrNegativeExpiresIn_isRefused() {
        assertThat(malformed(answer(OPAQUE).put("expires_in", 0))).isEqualTo("the IdP's token is already expired (expires_in 0)");
        assertThat(malformed(answer(OPAQUE).put("expires_in", -3600))).isEqualTo("the IdP's token is already expired (expires_in -3600)");
        assertThat(malformed(answer(OPAQUE).put("expires_in", Long.MIN_VALUE))).startsWith("the IdP's token is already expired");
    }

    @Test
    void toAccessToken_expiresInNotANumber_isMalformed() {
        for (Object expiresIn : new Object[] { "an hour", "", "3600s", true }) {
            assertThat(malformed(answer(OPAQUE).put("expires_in", expiresIn))).as(String.valueOf(expiresIn))
                    .isEqualTo("the IdP's expires_in is not a number of seconds");
        }
    }

    @Test
    void toAccessToken_fractionalExpiresIn_isMalformed() {
        // Documents today's behaviour: a JSON number with a fraction or an exponent is not read as seconds.
        assertThat(malformed(new JsonObject("{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":3600.0}")))
                .isEqualTo("the IdP's expires_in is not a number of seconds");
    }

    @Test
    void toAccessToken_tenYearExpiresIn_isKept() {
        long tenYears = 10L * 365 * 86_400;

        AccessToken token = read(answer(OPAQUE).put("expires_in", tenYears));

        assertThat(token.expiresAt()).isEqualTo(SENT.plusSeconds(tenYears));
        assertThat(new RefreshPolicy(Duration.ofSeconds(10), 0.1).refreshAt(token, 0.5)).isEqualTo(SENT.plusSeconds(tenYears / 2));
    }

    @Test
    void toAccessToken_absurdExpiresIn_isCappedWithoutOverflow() {
        Object[] absurd = { 1_000_000_000_000_000L, "1000000000000000", Long.MAX_VALUE, String.valueOf(Long.MAX_VALUE) };
        for (Object expiresIn : absurd) {
            AccessToken token = read(answer(OPAQUE).put("expires_in", expiresIn));

            assertThat(token.lifetime()).as(String.valueOf(expiresIn)).isEqualTo(TEN_YEARS);
            assertThat(new RefreshPolicy(Duration.ofSeconds(10), 0.1).refreshAt(token, 0.99)).isBefore(token.expiresAt());
        }
    }

    @Test
    void toAccessToken_absurdExpiresInBeyondLong_isMalformed() {
        assertThat(malformed(new JsonObject("{\"access_token\":\"t\",\"expires_in\":1e15}")))
                .isEqualTo("the IdP's expires_in is not a number of seconds");
        assertThat(malformed(answer(OPAQUE).put("expires_in", "99999999999999999999999")))
                .isEqualTo("the IdP's expires_in is not a number of seconds");
    }

    @Test
    void toAccessToken_absurdJwtExp_isCappedLikeExpiresIn() {
        for (long exp : new long[] { 1_000_000_000_000_000L, 10_000_000_000_000_000L, 31_556_889_864_403_199L, Long.MAX_VALUE }) {
            AccessToken token = read(answer(jwt(new JsonObject().put("exp", exp))));

            assertThat(token.lifetime()).as("exp %d", exp).isEqualTo(TEN_YEARS);
            assertThat(new RefreshPolicy(Duration.ofSeconds(10), 0.1).refreshAt(token, 0.99)).isBefore(token.expiresAt());
        }
    }

    @Test
    void toAccessToken_refreshIn_isRead() {
        AccessToken token = read(answer(OPAQUE).put("expires_in", 86_399).put("refresh_in", 43_199));

        assertThat(token.refreshIn()).isEqualTo(Duration.ofSeconds(43_199));
        assertThat(read(answer(OPAQUE).put("expires_in", 3600).put("refresh_in", "1800")).refreshIn()).isEqualTo(Duration.ofMinutes(30));
        assertThat(read(answer(OPAQUE).put("expires_in", 3600).put("refresh_in", "soon")).refreshIn()).isNull();
    }

    @Test
    void toAccessToken_malformed_neverQuotesTheToken() {
        String secretish = "eyJraWQiOiJzZWNyZXQifQ.not-base64-json.sig";

        Throwable thrown = catchThrowable(() -> read(answer(secretish)));

        assertThat(thrown).isInstanceOf(IdpException.class).hasMessageNotContaining(secretish).hasMessageNotContaining("not-base64-json");
    }

    private static JsonObject answer(String accessToken) {
        JsonObject json = new JsonObject().put("token_type", "Bearer");
        if (accessToken != null) {
            json.put("access_token", accessToken);
        }
        return json;
    }

    private static AccessToken read(JsonObject answer) {
        return TokenResponses.toAccessToken(tokens(answer), SENT);
    }

    /** As quarkus-oidc-client builds it from a grant response; its own expiry reading is not used by the broker. */
    private static Tokens tokens(JsonObject answer) {
        return new Tokens(answer.getString("access_token"), null, null, null, null, answer, "token-broker");
    }

    private static String malformed(JsonObject answer) {
        Throwable thrown = catchThrowable(() -> read(answer));
        assertThat(thrown).isInstanceOf(IdpException.class);
        AcquireFailure failure = ((IdpException) thrown).failure();
        assertThat(failure).isInstanceOf(AcquireFailure.Malformed.class);
        assertThat(failure.retryable()).isFalse();
        return failure.describe();
    }

    private static String jwt(JsonObject claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString("signature".getBytes(StandardCharsets.UTF_8));
    }
}
