package tokenbroker.binding;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;

/** The thumbprints that bind tokens, and the {@code cnf} claim of a JWT access token that carries one. */
public final class Thumbprints {

    private Thumbprints() {
    }

    /** RFC 8705 §3.1: base64url SHA-256 of the certificate's DER encoding, as in {@code cnf.x5t#S256}. */
    public static String x5tS256(X509Certificate certificate) {
        try {
            return DpopKey.base64(DpopKey.sha256(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode a certificate", e);
        }
    }

    /** The {@code cnf} member {@code name} of a JWT access token, or {@code null} (opaque token, no such claim). */
    public static String cnf(String token, String name) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            JsonObject cnf = claims.getJsonObject("cnf");
            return cnf == null || !(cnf.getValue(name) instanceof String value) ? null : value;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
