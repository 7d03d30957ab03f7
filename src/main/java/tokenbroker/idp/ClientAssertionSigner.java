package tokenbroker.idp;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtSignatureBuilder;
import java.security.interfaces.ECKey;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import tokenbroker.credential.Credential;
import tokenbroker.credential.KeyMaterial;

/**
 * Signs the RFC 7523 client assertion of a certificate credential (SPEC §5). Built with smallrye-jwt rather than
 * by quarkus-oidc-client, which cannot add the {@code x5t}/{@code x5t#S256} headers that Entra needs
 * (quarkus#17952).
 *
 * <p>Every call makes a new assertion with a new {@code jti}: Keycloak accepts each {@code jti} once.
 */
final class ClientAssertionSigner {

    /** Entra accepts assertions that expire within about ten minutes; five leaves room for clock skew. */
    static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(5);

    private ClientAssertionSigner() {
    }

    static String sign(String clientId, Credential.CertificateKey credential, KeyMaterial keys, Instant now) {
        long issuedAt = now.getEpochSecond();
        JwtSignatureBuilder jws = Jwt.claims()
                .issuer(clientId)
                .subject(clientId)
                .audience(credential.audience())
                .claim("jti", UUID.randomUUID().toString())
                .issuedAt(issuedAt)
                .claim("nbf", issuedAt)
                .expiresAt(issuedAt + ASSERTION_LIFETIME.toSeconds())
                .jws()
                .algorithm(algorithm(credential, keys))
                .type("JWT")
                .thumbprintS256(keys.leaf())
                .thumbprint(keys.leaf());
        if (credential.keyId() != null) {
            jws.keyId(credential.keyId());
        }
        return jws.sign(keys.key());
    }

    /** PS256 for Entra's RSA keys (its current guidance), RS256 elsewhere, ES256/ES384 for EC keys. */
    static SignatureAlgorithm algorithm(Credential.CertificateKey credential, KeyMaterial keys) {
        if (keys.key() instanceof ECKey ec) {
            return ec.getParams().getCurve().getField().getFieldSize() > 256 ? SignatureAlgorithm.ES384 : SignatureAlgorithm.ES256;
        }
        return credential.entra() ? SignatureAlgorithm.PS256 : SignatureAlgorithm.RS256;
    }
}
