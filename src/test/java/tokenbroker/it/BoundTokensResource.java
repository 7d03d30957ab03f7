package tokenbroker.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker of {@link BoundTokensIT} against the run's Keycloak: three identities, one per credential or binding that
 * issue 12 proves, identity {@code kc-<name>} for resource {@code <name>}:
 * <ul>
 * <li>{@code fed}: broker-federated, {@code assertion-file} holding a JWT of the {@link FederatedIssuer} that this
 * resource runs (its issuer and JWKS on the loopback) and registers as Keycloak's identity provider {@code test-issuer}</li>
 * <li>{@code mtls}: broker-mtls on Keycloak's HTTPS port, {@code tls_client_auth} with a certificate of the test CA
 * ({@code CN=broker-mtls}), {@code ca-file} the test CA; certificate-bound tokens</li>
 * <li>{@code dpop}: broker-dpop, a secret file and {@code dpop=true}; DPoP-bound tokens</li>
 * </ul>
 * Files live in {@code bound-it.dir} (a system property of the test JVM while the broker runs): {@code assertion.jwt},
 * {@code issuer-key.pem} (for the test to sign new assertions), {@code mtls.crt} and {@code mtls.key}. 30 s tokens.
 *
 * <p>Routes {@code dpop} ({@code http}) and {@code mtls} ({@code https}, the test CA trusted) forward to the ports
 * {@value #DPOP_STUB_PORT} and {@value #MTLS_STUB_PORT}, where the test runs its {@link ResourceServerStubs}.
 */
public class BoundTokensResource implements QuarkusTestResourceLifecycleManager {

    static final String DIR = "bound-it.dir";
    /** The ports of the resource-server stubs that the routes forward to; the test starts the stubs on them. */
    static final String DPOP_STUB_PORT = "bound-it.dpop-stub.port";
    static final String MTLS_STUB_PORT = "bound-it.mtls-stub.port";

    private FederatedIssuer issuer;

    @Override
    public Map<String, String> start() {
        try {
            KeycloakScript.ensureStarted();
            Map<String, String> kc = KeycloakScript.env();
            Path dir = Files.createTempDirectory(KeycloakScript.DIR, "bound-");
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair issuerKey = generator.generateKeyPair();
            Files.writeString(dir.resolve("issuer-key.pem"), FederatedIssuer.pem("PRIVATE KEY", issuerKey.getPrivate().getEncoded())
                    + FederatedIssuer.pem("PUBLIC KEY", issuerKey.getPublic().getEncoded()));
            issuer = new FederatedIssuer(issuerKey);
            registerIdentityProvider(kc.get("KEYCLOAK_URL"), issuer.identityProviderJson());
            Path assertion = Files.writeString(dir.resolve("assertion.jwt"),
                    issuer.assertion(kc.get("KEYCLOAK_REALM_URL"), Instant.now(), 600));
            new TestCa(Path.of(kc.get("KEYCLOAK_TLS_CA_FILE")), Path.of(kc.get("KEYCLOAK_TLS_CA_KEY_FILE")))
                    .issue("broker-mtls", dir.resolve("mtls.crt"), dir.resolve("mtls.key"));
            Path secret = Files.copy(Path.of(kc.get("KEYCLOAK_CLIENT_SECRET_FILE")), dir.resolve("dpop-secret"));

            Map<String, String> config = new LinkedHashMap<>();
            config.put("broker.identities.kc-fed.client-id", "broker-federated");
            config.put("broker.identities.kc-fed.token-url", kc.get("KEYCLOAK_TOKEN_URL"));
            config.put("broker.identities.kc-fed.assertion-file", assertion.toString());
            config.put("broker.identities.kc-mtls.client-id", "broker-mtls");
            config.put("broker.identities.kc-mtls.token-url", kc.get("KEYCLOAK_HTTPS_TOKEN_URL"));
            config.put("broker.identities.kc-mtls.auth-method", "tls_client_auth");
            config.put("broker.identities.kc-mtls.certificate-file", dir.resolve("mtls.crt").toString());
            config.put("broker.identities.kc-mtls.key-file", dir.resolve("mtls.key").toString());
            config.put("broker.identities.kc-mtls.ca-file", kc.get("KEYCLOAK_TLS_CA_FILE"));
            config.put("broker.identities.kc-dpop.client-id", "broker-dpop");
            config.put("broker.identities.kc-dpop.token-url", kc.get("KEYCLOAK_TOKEN_URL"));
            config.put("broker.identities.kc-dpop.secret-file", secret.toString());
            config.put("broker.identities.kc-dpop.dpop", "true");
            for (String name : new String[] { "fed", "mtls", "dpop" }) {
                config.put("broker.resources." + name + ".identity", "kc-" + name);
                config.put("broker.resources." + name + ".scopes", "api://demo/.default");
            }
            // Routes to the resource-server stubs, which the test starts on these ports when it needs them.
            int dpopStub = freePort();
            int mtlsStub = freePort();
            config.put("broker.routes.dpop.upstream", "http://127.0.0.1:" + dpopStub);
            config.put("broker.routes.dpop.resource", "dpop");
            config.put("broker.routes.dpop.port", Integer.toString(freePort()));
            config.put("broker.routes.mtls.upstream", "https://127.0.0.1:" + mtlsStub);
            config.put("broker.routes.mtls.resource", "mtls");
            config.put("broker.routes.mtls.port", Integer.toString(freePort()));
            config.put("broker.routes.mtls.ca-file", kc.get("KEYCLOAK_TLS_CA_FILE"));
            config.put(DPOP_STUB_PORT, Integer.toString(dpopStub));
            config.put(MTLS_STUB_PORT, Integer.toString(mtlsStub));
            // The test forces a refresh after each rewrite of a file: one per second, not the default ten.
            config.put("broker.refresh.force-interval", "1s");
            config.put(KeycloakResource.MANAGEMENT_PORT, Integer.toString(freePort()));
            config.put(DIR, dir.toString());
            config.put("bound-it.issuer", issuer.issuer());
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("bound-it: cannot set up", e);
        }
    }

    @Override
    public void stop() {
        if (issuer != null) {
            issuer.close();
        }
    }

    /** Replaces the realm's identity provider {@code test-issuer} (an earlier launch of this run may have made one). */
    private static void registerIdentityProvider(String url, String json) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String form = "grant_type=password&client_id=admin-cli&username=admin&password=admin";
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(url + "/realms/master/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        String admin = "Bearer " + KeycloakAdmin.json(token.body()).path("access_token").asText();
        String providers = url + "/admin/realms/broker/identity-provider/instances";
        http.send(HttpRequest.newBuilder(URI.create(providers + "/" + URLEncoder.encode("test-issuer", StandardCharsets.UTF_8)))
                .header("Authorization", admin).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(providers)).header("Authorization", admin)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) {
            throw new IllegalStateException("bound-it: Keycloak refused the identity provider: " + created.statusCode() + " " + created.body());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        }
    }
}
