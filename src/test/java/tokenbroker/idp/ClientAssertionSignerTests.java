package tokenbroker.idp;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tokenbroker.credential.Credential;
import tokenbroker.credential.KeyMaterial;
import tokenbroker.testing.TestKeys;

class ClientAssertionSignerTests {

    private static final String CLIENT_ID = "9d6f7a4e-2b1c-4a3e-8f0d-5c6b7a8e9f01";
    private static final String KEYCLOAK_URL = "https://keycloak.example/realms/broker/protocol/openid-connect/token";
    private static final String ENTRA_URL = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token";
    /** A fixed instant far from the real clock: the signer must use the one it is given. */
    private static final Instant NOW = Instant.parse("2031-03-04T05:06:07Z");

    @Test
    void sign_forKeycloak_isRs256WithThumbprintsAndNoKid() throws Exception {
        TestKeys.Pair rsa = TestKeys.rsa();

        Jws jws = Jws.parse(ClientAssertionSigner.sign(CLIENT_ID, credential(null, KEYCLOAK_URL, false), keys(rsa), NOW));

        assertThat(jws.header().getString("alg")).isEqualTo("RS256");
        assertThat(jws.header().getString("typ")).isEqualTo("JWT");
        assertThat(jws.header().getString("x5t#S256")).isEqualTo(thumbprint("SHA-256", rsa.certificate()));
        assertThat(jws.header().getString("x5t")).isEqualTo(thumbprint("SHA-1", rsa.certificate()));
        assertThat(jws.header().fieldNames()).containsExactlyInAnyOrder("alg", "typ", "x5t#S256", "x5t"); // no kid
        Signature verifier = Signature.getInstance("SHA256withRSA");
        assertThat(jws.verify(verifier, rsa.certificate())).isTrue();
    }

    @Test
    void sign_forEntra_isPs256VerifiedWithThePssParameters() throws Exception {
        TestKeys.Pair rsa = TestKeys.rsa();

        Jws jws = Jws.parse(ClientAssertionSigner.sign(CLIENT_ID, credential(null, ENTRA_URL, true), keys(rsa), NOW));

        assertThat(jws.header().getString("alg")).isEqualTo("PS256");
        assertThat(jws.header().getString("x5t#S256")).isEqualTo(thumbprint("SHA-256", rsa.certificate()));
        assertThat(jws.header().getString("x5t")).isEqualTo(thumbprint("SHA-1", rsa.certificate()));
        Signature pss = Signature.getInstance("RSASSA-PSS");
        pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        assertThat(jws.verify(pss, rsa.certificate())).isTrue();
        Signature pkcs1 = Signature.getInstance("SHA256withRSA");
        assertThat(jws.verify(pkcs1, rsa.certificate())).isFalse();
    }

    @Test
    void sign_withKeyId_setsKid() throws Exception {
        Jws jws = Jws.parse(
                ClientAssertionSigner.sign(CLIENT_ID, credential("broker-2025", KEYCLOAK_URL, false), keys(TestKeys.rsa()), NOW));

        assertThat(jws.header().getString("kid")).isEqualTo("broker-2025");
        assertThat(jws.header().fieldNames()).containsExactlyInAnyOrder("alg", "typ", "x5t#S256", "x5t", "kid");
    }

    @Test
    void sign_claims_areThoseOfRfc7523() throws Exception {
        Jws jws = Jws.parse(ClientAssertionSigner.sign(CLIENT_ID, credential(null, ENTRA_URL, true), keys(TestKeys.rsa()), NOW));

        assertThat(jws.claims().getString("iss")).isEqualTo(CLIENT_ID);
        assertThat(jws.claims().getString("sub")).isEqualTo(CLIENT_ID);
        assertThat(jws.claims().getValue("aud")).isEqualTo(ENTRA_URL); // a string, not an array of one
        assertThat(UUID.fromString(jws.claims().getString("jti"))).isNotNull();
        assertThat(jws.claims().getLong("iat")).isEqualTo(NOW.getEpochSecond());
        assertThat(jws.claims().getLong("nbf")).isEqualTo(NOW.getEpochSecond());
        assertThat(jws.claims().getLong("exp")).isEqualTo(NOW.getEpochSecond() + 300);
        assertThat(jws.claims().fieldNames()).containsExactlyInAnyOrder("iss", "sub", "aud", "jti", "iat", "nbf", "exp");
    }

    @Test
    void sign_configuredAudience_isTheAud() throws Exception {
        Jws jws = Jws.parse(ClientAssertionSigner.sign(CLIENT_ID, credential(null, "https://keycloak.example/realms/broker", false),
                keys(TestKeys.rsa()), NOW));

        assertThat(jws.claims().getValue("aud")).isEqualTo("https://keycloak.example/realms/broker");
    }

    @Test
    void sign_everyCall_hasANewJti() throws Exception {
        Set<String> ids = new HashSet<>();
        KeyMaterial keys = keys(TestKeys.rsa());
        for (int i = 0; i < 200; i++) {
            String assertion = ClientAssertionSigner.sign(CLIENT_ID, credential(null, KEYCLOAK_URL, false), keys, NOW);
            ids.add(Jws.parse(assertion).claims().getString("jti"));
        }

        assertThat(ids).hasSize(200);
    }

    @Test
    void sign_withEcKey_isEs256EvenForEntra() throws Exception {
        TestKeys.Pair ec = TestKeys.ec();

        Jws jws = Jws.parse(ClientAssertionSigner.sign(CLIENT_ID, credential(null, ENTRA_URL, true), keys(ec), NOW));

        assertThat(jws.header().getString("alg")).isEqualTo("ES256");
        assertThat(jws.header().getString("x5t#S256")).isEqualTo(thumbprint("SHA-256", ec.certificate()));
        assertThat(jws.verify(Signature.getInstance("SHA256withECDSAinP1363Format"), ec.certificate())).isTrue();
    }

    @Test
    void algorithm_forKeyTypesAndEndpoints() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        PrivateKey p384 = generator.generateKeyPair().getPrivate();
        X509Certificate anyCertificate = TestKeys.ec().certificate();

        Credential.CertificateKey keycloak = credential(null, KEYCLOAK_URL, false);
        Credential.CertificateKey entra = credential(null, ENTRA_URL, true);

        assertThat(ClientAssertionSigner.algorithm(keycloak, keys(TestKeys.rsa()))).isEqualTo(SignatureAlgorithm.RS256);
        assertThat(ClientAssertionSigner.algorithm(entra, keys(TestKeys.rsa()))).isEqualTo(SignatureAlgorithm.PS256);
        assertThat(ClientAssertionSigner.algorithm(keycloak, keys(TestKeys.ec()))).isEqualTo(SignatureAlgorithm.ES256);
        assertThat(ClientAssertionSigner.algorithm(entra, keys(TestKeys.ec()))).isEqualTo(SignatureAlgorithm.ES256);
        assertThat(ClientAssertionSigner.algorithm(keycloak, new KeyMaterial(List.of(anyCertificate), p384)))
                .isEqualTo(SignatureAlgorithm.ES384);
    }

    private static Credential.CertificateKey credential(String keyId, String audience, boolean entra) {
        return new Credential.CertificateKey(Path.of("tls.crt"), Path.of("tls.key"), null, keyId, audience, entra);
    }

    private static KeyMaterial keys(TestKeys.Pair pair) {
        return new KeyMaterial(List.of(pair.certificate()), pair.key());
    }

    private static String thumbprint(String digest, X509Certificate certificate) throws Exception {
        byte[] hash = MessageDigest.getInstance(digest).digest(certificate.getEncoded());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    }

    /** A compact JWS taken apart, for assertions only. */
    private record Jws(String signingInput, JsonObject header, JsonObject claims, byte[] signature) {

        static Jws parse(String compact) {
            String[] parts = compact.split("\\.");
            assertThat(parts).hasSize(3);
            Base64.Decoder b64 = Base64.getUrlDecoder();
            return new Jws(parts[0] + "." + parts[1],
                    new JsonObject(new String(b64.decode(parts[0]), StandardCharsets.UTF_8)),
                    new JsonObject(new String(b64.decode(parts[1]), StandardCharsets.UTF_8)),
                    b64.decode(parts[2]));
        }

        boolean verify(Signature verifier, X509Certificate certificate) throws Exception {
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return verifier.verify(signature);
        }
    }
}
