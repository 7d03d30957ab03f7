package tokenbroker.idp;

import io.quarkus.oidc.client.Tokens;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import tokenbroker.binding.Thumbprints;
import tokenbroker.token.TokenBinding;

/**
 * Reads an {@link AccessToken} out of a token endpoint's 200 answer, on the broker's clock: quarkus-oidc-client's
 * own {@code getAccessTokenExpiresAt()} reads the wall clock and may be null.
 */
final class TokenResponses {

    /** Ten years and more is a broken IdP, and Instant arithmetic overflows long before Long.MAX_VALUE. */
    private static final long MAX_LIFETIME_SECONDS = 10L * 366 * 86_400;

    /** How much earlier than {@code sent + expires_in} a JWT's own {@code exp} may move the expiry. */
    static final Duration EXP_CORRECTION = Duration.ofSeconds(2);

    private TokenResponses() {
    }

    /**
     * @param sent when the request was sent: the token was issued later, so expiry counted from here errs early
     * @throws IdpException with {@link AcquireFailure.Malformed} when the answer holds no usable token
     */
    static tokenbroker.token.AccessToken toAccessToken(Tokens tokens, Instant sent) {
        return toAccessToken(tokens, sent, TokenBinding.BEARER, null);
    }

    /**
     * @param binding what the identity's tokens must be bound to
     * @param boundTo the thumbprint of the broker's DPoP key or TLS certificate, for {@code cnf}; {@code null} for bearer
     */
    static tokenbroker.token.AccessToken toAccessToken(Tokens tokens, Instant sent, TokenBinding binding, String boundTo) {
        String value = tokens.getAccessToken();
        if (value == null || value.isBlank()) {
            throw malformed("the IdP's answer has no access_token");
        }
        String type = tokens.get("token_type");
        String wanted = binding == TokenBinding.DPOP ? "DPoP" : "Bearer";
        if ((type != null || binding == TokenBinding.DPOP) && !wanted.equalsIgnoreCase(type)) {
            // A DPoP request answered with a Bearer token: the IdP did not bind it (RFC 9449 §5), and a caller would
            // get a token anyone can use. Refused, with the fix in the message.
            throw malformed("the IdP's token_type is '" + IdpErrorClassifier.text(type) + "', not " + wanted
                    + (binding == TokenBinding.DPOP ? ": the client is not set up for DPoP-bound tokens at the IdP" : ""));
        }
        String claimed = binding == TokenBinding.BEARER ? null
                : Thumbprints.cnf(value, binding == TokenBinding.DPOP ? "jkt" : "x5t#S256");
        if (claimed != null && !claimed.equals(boundTo)) {
            throw malformed("the IdP's token is bound to another " + (binding == TokenBinding.DPOP ? "DPoP key" : "certificate")
                    + " than the broker's (cnf thumbprint " + claimed + ", ours " + boundTo + ")");
        }
        Instant expiresAt = expiresAt(value, tokens.get("expires_in"), sent);
        if (!expiresAt.isAfter(sent)) {
            throw malformed("the IdP's token is already expired (expires_in " + IdpErrorClassifier.text(tokens.get("expires_in")) + ")");
        }
        Duration refreshIn = seconds(tokens.get("refresh_in"));
        return new tokenbroker.token.AccessToken(value, sent, expiresAt, refreshIn, tokens.get("scope"), boundTo);
    }

    private static Instant expiresAt(String token, String expiresIn, Instant sent) {
        if (expiresIn != null) {
            Duration lifetime = seconds(expiresIn);
            if (lifetime == null) {
                throw malformed("the IdP's expires_in is not a number of seconds");
            }
            Instant byLifetime = sent.plus(lifetime);
            Long exp = jwtExpiry(token);
            if (exp != null && exp < byLifetime.getEpochSecond() + 1) {
                // expires_in is whole seconds from the IdP's "now", exp whole seconds from its iat: Keycloak's
                // token can expire up to a second before sent + expires_in. Trust the earlier one, but by no more
                // than EXP_CORRECTION, so that a skewed clock cannot make a good token look expired.
                Instant byExp = Instant.ofEpochSecond(exp);
                Instant floor = byLifetime.minus(EXP_CORRECTION);
                return byExp.isBefore(floor) ? floor : byExp.isBefore(byLifetime) ? byExp : byLifetime;
            }
            return byLifetime;
        }
        Long exp = jwtExpiry(token);
        if (exp == null) {
            throw malformed("the IdP's answer has neither expires_in nor a JWT exp claim");
        }
        // Capped like expires_in: a far-future exp would overflow RefreshPolicy's millisecond arithmetic.
        return exp >= sent.getEpochSecond() + MAX_LIFETIME_SECONDS ? sent.plusSeconds(MAX_LIFETIME_SECONDS)
                : Instant.ofEpochSecond(Math.max(0, exp));
    }

    private static Duration seconds(String text) {
        if (text == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(text.strip());
            return Duration.ofSeconds(Math.max(-1, Math.min(seconds, MAX_LIFETIME_SECONDS)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The {@code exp} claim of a JWT access token, or {@code null} for an opaque token. Never logs the token. */
    private static Long jwtExpiry(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            return claims.getValue("exp") instanceof Number n ? n.longValue() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static IdpException malformed(String reason) {
        return new IdpException(new AcquireFailure.Malformed(reason));
    }
}
