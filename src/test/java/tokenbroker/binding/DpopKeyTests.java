package tokenbroker.binding;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** {@link DpopKey}: the public JWK and its RFC 7638 thumbprint, which Keycloak puts in {@code cnf.jkt}. */
class DpopKeyTests {

    /** RFC 7638 §3.1: the example RSA key and its thumbprint. */
    private static final String RFC_N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    private static final String RFC_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    @Test
    void thumbprint_rfc7638Example_isTheKnownOne() throws Exception {
        PublicKey rsa = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                new BigInteger(1, Base64.getUrlDecoder().decode(RFC_N)), BigInteger.valueOf(65537)));
        DpopKey key = new DpopKey(new KeyPair(rsa, null));
        assertThat(key.thumbprint()).isEqualTo(RFC_THUMBPRINT);
        assertThat(key.jwk()).containsEntry("kty", "RSA").containsEntry("e", "AQAB").containsEntry("n", RFC_N).hasSize(3);
        assertThat(key.algorithm()).isEqualTo(io.smallrye.jwt.algorithm.SignatureAlgorithm.PS256);
    }

    @Test
    void thumbprint_ecP256_requiredMembersInOrder_fullLengthCoordinates() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        for (int i = 0; i < 20; i++) { // some keys have a coordinate with a leading zero byte: it must be kept
            KeyPair pair = generator.generateKeyPair();
            DpopKey key = new DpopKey(pair);
            ECPublicKey ec = (ECPublicKey) pair.getPublic();
            String x = Base64.getUrlEncoder().withoutPadding().encodeToString(fixed(ec.getW().getAffineX()));
            String y = Base64.getUrlEncoder().withoutPadding().encodeToString(fixed(ec.getW().getAffineY()));
            String canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
            assertThat(key.thumbprint()).isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8))));
            assertThat(key.jwk()).containsOnlyKeys("crv", "kty", "x", "y").doesNotContainKey("d");
            assertThat(key.algorithm()).isEqualTo(io.smallrye.jwt.algorithm.SignatureAlgorithm.ES256);
            assertThat(key.toString()).contains(key.thumbprint()).doesNotContain(x);
        }
    }

    /** A P-256 coordinate as its 32 bytes, big-endian, leading zeros kept. */
    private static byte[] fixed(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
        return out;
    }
}
