package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.KeyStoreKeys;
import tokenbroker.testing.WireForm;
import tokenbroker.testing.WireForm.Jws;
import tokenbroker.testing.WireMockIdp;

/**
 * SPEC §5, byte for byte: how each kind of credential travels in the token request. The key material is made at
 * test time by {@link WireMockIdp} ({@code keytool}); the assertions' signatures are checked with the
 * certificates' public keys.
 */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.CREDENTIALS))
class CredentialWireFormatTest extends OnFakeTime {

    private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";



    @Test
    void clientSecretBasic_secretInAuthorizationHeaderOnly() throws IOException {
        String secret = secret("basic");
        LoggedRequest request = forcedRequest("basic", "wire.basic");
        assertThat(request.getUrl()).isEqualTo(IdpStubs.TOKEN_PATH);
        assertThat(request.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
        assertThat(request.getHeader("Authorization")).isEqualTo("Basic " + Base64.getEncoder()
                .encodeToString(("client-basic:" + secret).getBytes(StandardCharsets.UTF_8)));
        Map<String, List<String>> form = singleValued(request);
        assertThat(form).containsOnlyKeys("grant_type", "scope");
        assertThat(form.get("grant_type")).containsExactly("client_credentials");
        assertThat(form.get("scope")).containsExactly("wire.basic");
        assertThat(request.getBodyAsString()).doesNotContain(secret);
    }

    @Test
    void clientSecretPost_clientIdAndSecretInTheForm() throws IOException {
        String secret = secret("post");
        LoggedRequest request = forcedRequest("post", "wire.post");
        assertThat(request.containsHeader("Authorization")).isFalse();
        Map<String, List<String>> form = singleValued(request);
        assertThat(form).containsOnlyKeys("grant_type", "scope", "client_id", "client_secret");
        assertThat(form.get("grant_type")).containsExactly("client_credentials");
        assertThat(form.get("scope")).containsExactly("wire.post");
        assertThat(form.get("client_id")).containsExactly("client-post");
        assertThat(form.get("client_secret")).containsExactly(secret);
    }

    @Test
    void certificatePem_privateKeyJwtSignedRs256_withoutKid() throws Exception {
        X509Certificate certificate = KeyStoreKeys.readCertificate(configuredPath("broker.identities.cert-pem.certificate-file"));
        String tokenUrl = "http://127.0.0.1:" + idp.port() + "/token";
        checkAssertions("cert-pem", "wire.cert-pem", "client-cert-pem", tokenUrl, certificate, "RS256", null);
    }

    @Test
    void certificatePkcs12_privateKeyJwtSignedRs256_withConfiguredKid() throws Exception {
        Path keyStore = configuredPath("broker.identities.cert-p12.certificate-file");
        String password = Files.readString(configuredPath("broker.identities.cert-p12.key-store-password-file")).strip();
        X509Certificate certificate = KeyStoreKeys.load(keyStore, password).certificate();
        X509Certificate pemCertificate = KeyStoreKeys.readCertificate(configuredPath("broker.identities.cert-pem.certificate-file"));
        assertThat(certificate).as("a key pair of its own").isNotEqualTo(pemCertificate);
        String tokenUrl = "http://127.0.0.1:" + idp.port() + "/token";
        checkAssertions("cert-p12", "wire.cert-p12", "client-cert-p12", tokenUrl, certificate, "RS256", WireMockIdp.P12_KEY_ID);
    }

    @Test
    void certificateEntra_privateKeyJwtSignedPs256_atTheTenantTokenUrl() throws Exception {
        X509Certificate certificate = KeyStoreKeys.readCertificate(configuredPath("broker.identities.entra.certificate-file"));
        String path = "/" + WireMockIdp.ENTRA_TENANT + "/oauth2/v2.0/token";
        List<LoggedRequest> requests = checkAssertions("entra", WireMockIdp.ENTRA_SCOPE,
                "11111111-2222-3333-4444-555555555555", "http://127.0.0.1:" + idp.port() + path, certificate, "PS256", null);
        assertThat(requests).allSatisfy(r -> assertThat(r.getUrl()).isEqualTo(path));
    }

    @Test
    void federated_assertionFilePassedUntouched_withClientId() throws IOException {
        String assertion = Files.readString(configuredPath("broker.identities.federated.assertion-file"));
        LoggedRequest request = forcedRequest("federated", "wire.federated");
        assertThat(request.containsHeader("Authorization")).isFalse();
        Map<String, List<String>> form = singleValued(request);
        assertThat(form).containsOnlyKeys("grant_type", "scope", "client_id", "client_assertion_type", "client_assertion");
        assertThat(form.get("grant_type")).containsExactly("client_credentials");
        assertThat(form.get("scope")).containsExactly("wire.federated");
        assertThat(form.get("client_id")).containsExactly("client-federated");
        assertThat(form.get("client_assertion_type")).containsExactly(JWT_BEARER);
        assertThat(form.get("client_assertion")).containsExactly(assertion);
    }

    /**
     * Two forced requests of {@code resource}: both carry a well-formed assertion signed by {@code certificate}'s
     * key, with different {@code jti}s.
     */
    private List<LoggedRequest> checkAssertions(String resource, String scope, String clientId, String audience,
            X509Certificate certificate, String alg, String kid) throws GeneralSecurityException {
        LoggedRequest first = forcedRequest(resource, scope);
        long firstAt = clock.instant().getEpochSecond();
        LoggedRequest second = forcedRequest(resource, scope);
        long secondAt = clock.instant().getEpochSecond();
        Jws a = checkAssertion(first, scope, clientId, audience, certificate, alg, kid, firstAt);
        Jws b = checkAssertion(second, scope, clientId, audience, certificate, alg, kid, secondAt);
        assertThat(a.claims().get("jti")).isNotEqualTo(b.claims().get("jti"));
        return List.of(first, second);
    }

    private Jws checkAssertion(LoggedRequest request, String scope, String clientId, String audience,
            X509Certificate certificate, String alg, String kid, long now) throws GeneralSecurityException {
        assertThat(request.containsHeader("Authorization")).isFalse();
        Map<String, List<String>> form = singleValued(request);
        assertThat(form).containsOnlyKeys("grant_type", "scope", "client_id", "client_assertion_type", "client_assertion");
        assertThat(form.get("grant_type")).containsExactly("client_credentials");
        assertThat(form.get("scope")).containsExactly(scope);
        assertThat(form.get("client_id")).containsExactly(clientId);
        assertThat(form.get("client_assertion_type")).containsExactly(JWT_BEARER);

        Jws jws = Jws.parse(form.get("client_assertion").get(0));
        assertThat(jws.header()).containsEntry("alg", alg)
                .containsEntry("x5t#S256", KeyStoreKeys.thumbprint(certificate, "SHA-256"))
                .containsEntry("x5t", KeyStoreKeys.thumbprint(certificate, "SHA-1"));
        if (kid == null) {
            assertThat(jws.header()).doesNotContainKey("kid");
        } else {
            assertThat(jws.header()).containsEntry("kid", kid);
        }
        Map<String, Object> claims = jws.claims();
        assertThat(claims).containsEntry("iss", clientId).containsEntry("sub", clientId).containsKey("jti");
        assertThat(claims.get("aud")).isIn(audience, List.of(audience));
        assertThat((String) claims.get("jti")).isNotBlank();
        long iat = ((Number) claims.get("iat")).longValue();
        assertThat(iat).as("iat, on the broker's clock").isEqualTo(now);
        assertThat(((Number) claims.get("nbf")).longValue()).isLessThanOrEqualTo(iat);
        assertThat(((Number) claims.get("exp")).longValue() - iat).as("assertion lifetime").isBetween(60L, 600L);

        Signature verifier;
        if (alg.equals("PS256")) {
            verifier = Signature.getInstance("RSASSA-PSS");
            verifier.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        } else {
            verifier = Signature.getInstance("SHA256withRSA");
        }
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(jws.signingInput());
        assertThat(verifier.verify(jws.signature())).as("signature verified with the certificate's key").isTrue();
        return jws;
    }

    /** Forces one token request for {@code resource} (11 s after any earlier one) and returns it as WireMock saw it. */
    private LoggedRequest forcedRequest(String resource, String scope) {
        Broker.awaitIdle(resource);
        clock.advance(Duration.ofSeconds(11)); // force_refresh reaches the IdP at most once per 10 s
        int before = IdpStubs.received(idp, scope).size();
        Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", resource).then().statusCode(200);
        List<LoggedRequest> received = IdpStubs.received(idp, scope);
        assertThat(received).hasSize(before + 1);
        return received.get(received.size() - 1);
    }

    /** The form, checked to name each parameter once (TRAPS.md: oidc-client can append a second scope). */
    private static Map<String, List<String>> singleValued(LoggedRequest request) {
        Map<String, List<String>> form = WireForm.form(request);
        assertThat(form.values()).as("form %s", form.keySet()).allSatisfy(values -> assertThat(values).hasSize(1));
        return form;
    }

    private static String secret(String identity) throws IOException {
        return Files.readString(configuredPath("broker.identities." + identity + ".secret-file")).strip();
    }

    static Path configuredPath(String key) {
        return Path.of(ConfigProvider.getConfig().getValue(key, String.class));
    }
}
