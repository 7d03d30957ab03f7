package tokenbroker.leaks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;

import com.github.tomakehurst.wiremock.WireMockServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.KeyStoreKeys;
import tokenbroker.testing.WireMockResource;

/**
 * The fake IdP and broker configuration of {@link NothingLeaksTest}: one identity per kind of credential (client
 * secret basic and post, PEM certificate, PKCS#12 certificate, an Entra tenant with a certificate, a federated
 * assertion), callers, and three resources that fail: {@code rejected} (400 {@code invalid_client}), {@code
 * malformed} (a 200 that is not JSON, holding a token-like value) and {@code slow} (answers after the deadline); and
 * {@code dpop}, DPoP-bound tokens with a key file, and route {@code dpop} to an upstream that once asks for a nonce.
 *
 * <p>Every token the fake IdP issues is long and random, so that a match in a log can only be a leak. Key material
 * is made at test time by {@code keytool}; every file lives in a temporary directory that {@link #stop()} deletes.
 */
public class LeakScenarioIdp extends WireMockResource {

    static final String ENTRA_TENANT = "leak-tenant";
    static final String ENTRA_AUDIENCE = "api://leak-entra";
    /** The good resources, each named after its identity; their scope is {@code leak.<name>} (Entra: its audience). */
    static final String[] GOOD = { "basic", "post", "cert-pem", "cert-p12", "federated", "entra" };

    private static final String ANY_TOKEN_PATH = "/(.*/)?token";
    /** The DPoP route's upstream; its nonce path asks once for a nonce (RFC 9449 §9). */
    static final String NONCE_CHALLENGE = "DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof\"";

    private WireMockServer upstream;

    @Override
    public Map<String, String> start() {
        startServer(20);
        stubs();
        upstream = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(8));
        upstream.start();
        upstreamStubs();
        try {
            createDir("token-broker-leaks");
            return config();
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        }
    }

    private void stubs() {
        server.stubFor(post(urlPathMatching(ANY_TOKEN_PATH)).atPriority(10).willReturn(IdpStubs.token("leak-at", 3600)));
        server.stubFor(forScope("leak.rejected").willReturn(IdpStubs.oauthError(400, "invalid_client",
                "Invalid client or Invalid client credentials")));
        // Cut short after the token: not JSON, and a parser's error message would quote it.
        server.stubFor(forScope("leak.malformed").willReturn(IdpStubs.json(200,
                "{\"access_token\":\"leak-malformed-{{randomValue length=40 type='ALPHANUMERIC'}}\",\"expires_in\":36")
                .withTransformers("response-template")));
        server.stubFor(forScope("leak.dpop").willReturn(IdpStubs.json(200,
                "{\"access_token\":\"leak-dpop-{{randomValue length=40 type='ALPHANUMERIC'}}\",\"token_type\":\"DPoP\",\"expires_in\":3600}")
                .withTransformers("response-template")));
        server.stubFor(forScope("leak.slow").willReturn(IdpStubs.token("leak-late", 3600).withFixedDelay(4000)));
    }

    private void upstreamStubs() {
        upstream.stubFor(any(urlPathEqualTo("/ok")).willReturn(aResponse().withStatus(200).withBody("ok")));
        upstream.stubFor(any(urlPathEqualTo("/nonce")).inScenario("nonce").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", NONCE_CHALLENGE)
                        .withHeader("DPoP-Nonce", "leak-nonce-" + randomWord(16)))
                .willSetStateTo("given"));
        upstream.stubFor(any(urlPathEqualTo("/nonce")).inScenario("nonce").whenScenarioStateIs("given")
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        upstream.stubFor(any(urlPathEqualTo("/fail")).willReturn(IdpStubs.json(502, "{\"error\":\"upstream down\"}")));
    }

    private static com.github.tomakehurst.wiremock.client.MappingBuilder forScope(String scope) {
        return post(urlPathMatching(ANY_TOKEN_PATH)).atPriority(1).withFormParam("scope", equalTo(scope));
    }

    private Map<String, String> config() throws IOException {
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.http.test-port", "0");
        config.put("quarkus.management.test-port", "0");
        config.put("broker.refresh.sweep-interval", "off"); // the test moves a fake clock and ticks itself
        config.put("broker.idp.timeout", "2s");
        String tokenUrl = "http://127.0.0.1:" + server.port() + IdpStubs.TOKEN_PATH;

        secret(config, "basic", tokenUrl);
        secret(config, "post", tokenUrl);
        config.put("broker.identities.post.auth-method", "client_secret_post");

        KeyStoreKeys pem = KeyStoreKeys.generate(dir.resolve("pem-source.p12"), randomWord(32), "token-broker-leaks-pem");
        Path certificate = dir.resolve("client.crt.pem");
        Path key = dir.resolve("client.key.pem");
        pem.writePem(certificate, key);
        config.put("broker.identities.cert-pem.client-id", "leak-client-cert-pem");
        config.put("broker.identities.cert-pem.token-url", tokenUrl);
        config.put("broker.identities.cert-pem.certificate-file", certificate.toString());
        config.put("broker.identities.cert-pem.key-file", key.toString());

        String password = randomWord(32);
        Path keyStore = dir.resolve("client.p12");
        KeyStoreKeys.generate(keyStore, password, "token-broker-leaks-p12");
        config.put("broker.identities.cert-p12.client-id", "leak-client-cert-p12");
        config.put("broker.identities.cert-p12.token-url", tokenUrl);
        config.put("broker.identities.cert-p12.certificate-file", keyStore.toString());
        config.put("broker.identities.cert-p12.key-store-password-file", write("client.p12.password", password + "\n").toString());

        config.put("broker.identities.entra.client-id", "22222222-3333-4444-5555-666666666666");
        config.put("broker.identities.entra.tenant-id", ENTRA_TENANT);
        config.put("broker.identities.entra.authority-host", "http://127.0.0.1:" + server.port());
        config.put("broker.identities.entra.certificate-file", certificate.toString());
        config.put("broker.identities.entra.key-file", key.toString());

        config.put("broker.identities.federated.client-id", "leak-client-federated");
        config.put("broker.identities.federated.token-url", tokenUrl);
        // A service-account token's shape, with a random signature: distinctive in any log.
        config.put("broker.identities.federated.assertion-file", write("federated-token",
                "eyJhbGciOiJSUzI1NiIsImtpZCI6ImxlYWsifQ.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMiLCJzdWIiOiJzeXN0"
                        + "ZW06c2VydmljZWFjY291bnQ6bGVhazphcHAifQ." + randomWord(32) + randomWord(32) + randomWord(32)).toString());

        for (String name : GOOD) {
            config.put("broker.resources." + name + ".identity", name);
            config.put("broker.resources." + name + ".scopes", name.equals("entra") ? ENTRA_AUDIENCE + "/.default" : "leak." + name);
        }
        dpop(config, tokenUrl);
        failing(config, "rejected", "basic");
        failing(config, "malformed", "post");
        failing(config, "slow", "basic");

        config.put("broker.callers.app.secret-file", write("caller-app", "caller-app-" + randomWord(32) + "\n").toString());
        config.put("broker.callers.limited.secret-file", write("caller-limited", "caller-limited-" + randomWord(32) + "\n").toString());
        config.put("broker.callers.limited.resources", "basic");
        return config;
    }

    private void secret(Map<String, String> config, String name, String tokenUrl) throws IOException {
        config.put("broker.identities." + name + ".client-id", "leak-client-" + name);
        config.put("broker.identities." + name + ".token-url", tokenUrl);
        config.put("broker.identities." + name + ".secret-file",
                write(name + ".secret", "client-secret-" + name + "-" + randomWord(32) + "\n").toString());
    }

    /** Identity and resource {@code dpop}: DPoP-bound tokens, a key file of the test's, route {@code dpop} to the upstream. */
    private void dpop(Map<String, String> config, String tokenUrl) throws IOException {
        secret(config, "dpop", tokenUrl);
        config.put("broker.identities.dpop.dpop", "true");
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair key = generator.generateKeyPair();
            config.put("broker.identities.dpop.dpop-key-file", write("dpop-key.pem", pem("PRIVATE KEY", key.getPrivate().getEncoded())
                    + pem("PUBLIC KEY", key.getPublic().getEncoded())).toString());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a DPoP key", e);
        }
        config.put("broker.resources.dpop.identity", "dpop");
        config.put("broker.resources.dpop.scopes", "leak.dpop");
        config.put("broker.routes.dpop.upstream", "http://127.0.0.1:" + upstream.port());
        config.put("broker.routes.dpop.resource", "dpop");
        config.put("broker.routes.dpop.port", "0");
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Override
    public void inject(TestInjector injector) {
        super.inject(injector);
        injector.injectIntoFields(upstream, new TestInjector.AnnotatedAndMatchesType(InjectLeakUpstream.class, WireMockServer.class));
    }

    @Override
    public void stop() {
        super.stop();
        if (upstream != null) {
            upstream.stop();
        }
    }

    private static void failing(Map<String, String> config, String name, String identity) {
        config.put("broker.resources." + name + ".identity", identity);
        config.put("broker.resources." + name + ".scopes", "leak." + name);
    }
}
