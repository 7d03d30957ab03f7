package tokenbroker.azure.support;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Entra's checks of a certificate client assertion (RFC 7523), written with the JDK alone so that they share no
 * code, and so no bug, with the broker's signer (smallrye-jwt): a JWS whose {@code x5t#S256} names the app's
 * registered certificate (and {@code x5t} too, if sent), signed PS256 with its key, {@code iss = sub = client_id},
 * {@code aud} = the token URL, {@code exp} in the future and at most 10 minutes away, and a {@code jti} never seen
 * before.
 *
 * <p>Stricter than Entra in two ways, both promised by SPEC §5: Entra also takes RS256, and does not refuse a
 * reused {@code jti}.
 */
final class EntraAssertionCheck {

    static final long MAX_LIFETIME_SECONDS = 600;
    private static final long SKEW_SECONDS = 300;
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private final ObjectMapper json;
    /** Every jti accepted so far. */
    private final Set<String> jtis = ConcurrentHashMap.newKeySet();

    EntraAssertionCheck(ObjectMapper json) {
        this.json = json;
    }

    void check(String assertion, FakeEntra.App app, String tokenUrl, Instant now, EntraTokenEndpoint.Seen seen) {
        String[] parts = assertion.split("\\.", -1);
        if (parts.length != 3) {
            throw malformed("not a compact JWS");
        }
        seen.assertionHeader = decode(parts[0]);
        seen.assertionClaims = decode(parts[1]);
        Map<String, Object> header = seen.assertionHeader;
        Map<String, Object> claims = seen.assertionClaims;
        if (!"PS256".equals(header.get("alg"))) {
            throw malformed("alg is " + header.get("alg") + "; SPEC §5 signs Entra assertions with PS256");
        }
        Object x5tS256 = header.get("x5t#S256");
        if (x5tS256 == null) {
            throw EntraRejection.invalidClient(5002723, "Invalid JWT token. No certificate thumbprint specified in token header.");
        }
        String expected = TestCertificates.thumbprint(app.certificate(), "SHA-256");
        Object x5t = header.get("x5t");
        if (!expected.equals(x5tS256) || x5t != null && !TestCertificates.thumbprint(app.certificate(), "SHA-1").equals(x5t)) {
            throw EntraRejection.invalidClient(700027, "Client assertion contains an invalid signature. [Reason - The key was not found.,"
                    + " Thumbprint of key used by client: '" + x5tS256 + "', Please visit the Azure Portal, Graph Explorer or directly"
                    + " use MS Graph to see configured keys for app Id '" + app.clientId() + "'.]");
        }
        if (!verifies(parts, app)) {
            throw EntraRejection.invalidClient(700027, "Client assertion failed signature validation.");
        }
        if (!app.clientId().equals(claims.get("iss")) || !app.clientId().equals(claims.get("sub"))) {
            throw EntraRejection.invalidClient(700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
        }
        Object aud = claims.get("aud");
        if (!(tokenUrl.equals(aud) || aud instanceof List<?> list && list.contains(tokenUrl))) {
            throw EntraRejection.invalidClient(700023, "Client assertion audience claim does not match Realm issuer. (aud " + aud
                    + ", expected " + tokenUrl + ")");
        }
        long exp = seconds(claims.get("exp"), "exp");
        long nbf = claims.containsKey("nbf") ? seconds(claims.get("nbf"), "nbf") : now.getEpochSecond();
        if (exp <= now.getEpochSecond() || exp > now.getEpochSecond() + MAX_LIFETIME_SECONDS || nbf > now.getEpochSecond() + SKEW_SECONDS) {
            throw EntraRejection.invalidClient(700024, "Client assertion is not within its valid time range. Current time: " + now
                    + ", assertion valid from " + Instant.ofEpochSecond(nbf) + ", expiry time of assertion " + Instant.ofEpochSecond(exp) + ".");
        }
        Object jti = claims.get("jti");
        if (!(jti instanceof String s) || s.isBlank()) {
            throw malformed("no jti claim");
        }
        if (!jtis.add(s)) {
            throw malformed("jti " + s + " was used before");
        }
    }

    private static boolean verifies(String[] parts, FakeEntra.App app) {
        try {
            Signature pss = Signature.getInstance("RSASSA-PSS");
            pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            pss.initVerify(app.certificate().getPublicKey());
            pss.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return pss.verify(Base64.getUrlDecoder().decode(parts[2]));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private Map<String, Object> decode(String part) {
        try {
            return json.readValue(Base64.getUrlDecoder().decode(part), OBJECT);
        } catch (IOException | IllegalArgumentException e) {
            throw malformed("a part is not base64url JSON");
        }
    }

    private static long seconds(Object value, String claim) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        throw malformed(claim + " is not a number");
    }

    private static EntraRejection malformed(String why) {
        return EntraRejection.invalidClient(50027, "JWT token is invalid or malformed. (fake Entra: " + why + ")");
    }
}
