package tokenbroker.binding;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One identity's DPoP key pair, its public JWK (the {@code jwk} header of every proof) and the JWK's RFC 7638
 * thumbprint ({@code cnf.jkt} of the tokens bound to it). {@link #toString()} shows the thumbprint only.
 */
public final class DpopKey {

    private final KeyPair pair;
    private final Map<String, Object> jwk;
    private final String thumbprint;
    private final SignatureAlgorithm algorithm;

    public DpopKey(KeyPair pair) {
        this.pair = pair;
        Map<String, Object> members = new LinkedHashMap<>();
        if (pair.getPublic() instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            int size = (bits + 7) / 8;
            // RFC 7638 §3.2: the required members only, in lexicographic order, no white space.
            members.put("crv", bits == 384 ? "P-384" : "P-256");
            members.put("kty", "EC");
            members.put("x", base64(fixed(ec.getW().getAffineX(), size)));
            members.put("y", base64(fixed(ec.getW().getAffineY(), size)));
            algorithm = bits == 384 ? SignatureAlgorithm.ES384 : SignatureAlgorithm.ES256;
        } else if (pair.getPublic() instanceof RSAPublicKey rsa) {
            members.put("e", base64(unsigned(rsa.getPublicExponent())));
            members.put("kty", "RSA");
            members.put("n", base64(unsigned(rsa.getModulus())));
            algorithm = SignatureAlgorithm.PS256;
        } else {
            throw new IllegalArgumentException("dpop: only EC and RSA keys are supported");
        }
        this.jwk = Map.copyOf(members);
        this.thumbprint = thumbprint(members);
    }

    public KeyPair pair() {
        return pair;
    }

    /** The public JWK, as the proof's {@code jwk} header carries it. */
    public Map<String, Object> jwk() {
        return jwk;
    }

    /** The RFC 7638 SHA-256 thumbprint of the public key, base64url: what Keycloak puts in {@code cnf.jkt}. */
    public String thumbprint() {
        return thumbprint;
    }

    public SignatureAlgorithm algorithm() {
        return algorithm;
    }

    private static String thumbprint(Map<String, Object> members) {
        StringBuilder json = new StringBuilder("{");
        members.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
        json.append('}');
        return base64(sha256(json.toString().getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes.length > 1 && bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    /** An EC coordinate at the curve's full length (RFC 7518 §6.2.1.2: leading zeros kept). */
    private static byte[] fixed(BigInteger value, int size) {
        byte[] bytes = unsigned(value);
        if (bytes.length == size) {
            return bytes;
        }
        byte[] padded = new byte[size];
        System.arraycopy(bytes, 0, padded, size - bytes.length, bytes.length);
        return padded;
    }

    @Override
    public String toString() {
        return "DpopKey[jkt=" + thumbprint + ", private=<redacted>]";
    }
}
