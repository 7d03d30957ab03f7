package tokenbroker.binding;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/**
 * Signs DPoP proofs (RFC 9449 §4.2): header {@code typ=dpop+jwt}, {@code alg}, the public {@code jwk}; claims
 * {@code jti} (new for every proof), {@code htm}, {@code htu} (without query and fragment), {@code iat}, and
 * {@code ath} (base64url SHA-256 of the access token) when presenting a token, {@code nonce} when the server gave one.
 */
public final class DpopProofs {

    private DpopProofs() {
    }

    /**
     * @param accessToken the token the proof goes with, or {@code null} for a token request
     * @param nonce the server's latest {@code DPoP-Nonce}, or {@code null}
     */
    public static String proof(DpopKey key, String method, URI url, String accessToken, String nonce, Instant now) {
        return proof(key, method, htu(url), accessToken, nonce, now);
    }

    /** As {@link #proof(DpopKey, String, URI, String, String, Instant)}, for an {@code htu} already without query. */
    public static String proof(DpopKey key, String method, String htu, String accessToken, String nonce, Instant now) {
        long iat = now.getEpochSecond();
        JwtClaimsBuilder claims = Jwt.claims()
                .claim("jti", UUID.randomUUID().toString())
                .claim("htm", method.toUpperCase(Locale.ROOT))
                .claim("htu", htu)
                .issuedAt(iat)
                // smallrye-jwt adds an exp of its own otherwise (5 minutes): a proof is for one request, now.
                .expiresAt(iat + 60);
        if (accessToken != null) {
            claims.claim("ath", DpopKey.base64(DpopKey.sha256(accessToken.getBytes(StandardCharsets.US_ASCII))));
        }
        if (nonce != null) {
            claims.claim("nonce", nonce);
        }
        return claims.jws().type("dpop+jwt").algorithm(key.algorithm()).header("jwk", key.jwk()).sign(key.pair().getPrivate());
    }

    /** RFC 9449 §4.2: the HTTP target URI without query and fragment. */
    public static String htu(URI url) {
        return url.getScheme().toLowerCase(Locale.ROOT) + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath());
    }
}
