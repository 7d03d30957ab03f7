package tokenbroker.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A real Keycloak (realm {@code broker}, see {@code scripts/keycloak.sh}) and the broker configuration that points
 * the packaged broker at it. Keycloak starts once per failsafe run ({@link KeycloakScript#ensureStarted}) and stops
 * when that JVM exits, not in {@link #stop()}: two launches use it, and a second start would cost 15-40 s.
 *
 * <p>Identities and resources, by the realm's clients:
 * <ul>
 * <li>{@code secret}: broker-secret (client_secret_basic, 40 s tokens), api://demo/.default</li>
 * <li>{@code jwt}: broker-jwt (private_key_jwt, PEM certificate and key), api://demo/.default</li>
 * <li>{@code jwt-p12}: broker-jwt-rs256 (private_key_jwt from a PKCS#12 file and its password file),
 * https://vault.azure.net/.default</li>
 * <li>{@code rotate}: broker-long (client_secret_post, 3600 s tokens): its secret is rotated by a test, and no
 * refresh of its own falls between the rotation and the new file</li>
 * <li>{@code outage-secret} (broker-outage, a secret) and {@code outage-jwt} (broker-jwt-rs256, the PKCS#12 file):
 * through {@link BlackHoleRelay}, which the outage test freezes while every other resource goes on; both
 * https://vault.azure.net/.default</li>
 * <li>{@code kc-admin}: broker-admin-reader (a secret), the resource of route {@code kc-admin} on a free loopback
 * port, which forwards to {@code <keycloak>/admin/realms} ({@link ProxyWithKeycloakIT})</li>
 * <li>{@code wrong}: broker-secret with a wrong secret; optional unless the init arg {@value #WRONG_REQUIRED} is
 * {@code true}, because readiness covers every required resource</li>
 * </ul>
 * Secret files are copies in a directory of their own, so that tests can rewrite them without touching the secret
 * that keycloak.sh renders into the realm; the token of {@code secret} is written there too, as a file
 * ({@code broker.files.secret-token}) for {@link BrokerTokenFileIT}. The management interface gets a free port (the default 9000 may be
 * taken on a shared machine); the token port is {@code quarkus.http.test-port=0} (pom.xml), read back by the test
 * framework from the broker's log.
 */
public class KeycloakResource implements QuarkusTestResourceLifecycleManager {

    /** Init arg: {@code true} makes the resource with the wrong secret required. */
    static final String WRONG_REQUIRED = "wrong-secret-required";
    /** Also set as a system property of the test JVM while the broker runs: where probes are. */
    static final String MANAGEMENT_PORT = "quarkus.management.port";
    /** Also set as a system property of the test JVM while the broker runs: the loopback port of route kc-admin. */
    static final String ROUTE_PORT = "broker.routes.kc-admin.port";

    /** One relay for the whole failsafe run, like Keycloak: every launch points its outage resources at it. */
    private static BlackHoleRelay relay;

    private boolean wrongRequired;

    /** The relay in front of Keycloak that the outage resources use. */
    static synchronized BlackHoleRelay relay() {
        if (relay == null) {
            relay = BlackHoleRelay.to(Integer.parseInt(KeycloakScript.env().get("KEYCLOAK_PORT")));
        }
        return relay;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        wrongRequired = Boolean.parseBoolean(initArgs.getOrDefault(WRONG_REQUIRED, "false"));
    }

    @Override
    public Map<String, String> start() {
        KeycloakScript.ensureStarted();
        Map<String, String> kc = KeycloakScript.env();
        String tokenUrl = kc.get("KEYCLOAK_TOKEN_URL");
        Path files = secretDirectory();
        Path secret = copy(Path.of(kc.get("KEYCLOAK_CLIENT_SECRET_FILE")), files.resolve("secret"));
        Path rotate = copy(Path.of(kc.get("KEYCLOAK_CLIENT_SECRET_FILE")), files.resolve("rotate-secret"));
        Path wrong = write(files.resolve("wrong-secret"), "wrong-" + UUID.randomUUID());

        Map<String, String> config = new LinkedHashMap<>();
        identity(config, "kc-secret", "broker-secret", tokenUrl);
        config.put("broker.identities.kc-secret.secret-file", secret.toString());
        identity(config, "kc-jwt", "broker-jwt", tokenUrl);
        config.put("broker.identities.kc-jwt.certificate-file", kc.get("KEYCLOAK_CLIENT_CERT_FILE"));
        config.put("broker.identities.kc-jwt.key-file", kc.get("KEYCLOAK_CLIENT_KEY_FILE"));
        identity(config, "kc-p12", "broker-jwt-rs256", tokenUrl);
        config.put("broker.identities.kc-p12.certificate-file", kc.get("KEYCLOAK_CLIENT_P12_FILE"));
        config.put("broker.identities.kc-p12.key-store-password-file", kc.get("KEYCLOAK_CLIENT_P12_PASS_FILE"));
        identity(config, "kc-rotate", "broker-long", tokenUrl);
        config.put("broker.identities.kc-rotate.secret-file", rotate.toString());
        config.put("broker.identities.kc-rotate.auth-method", "client_secret_post");
        String relayedTokenUrl = tokenUrl.replace(":" + kc.get("KEYCLOAK_PORT") + "/", ":" + relay().port() + "/");
        if (relayedTokenUrl.equals(tokenUrl)) {
            throw new IllegalStateException("the token URL " + tokenUrl + " is not on KEYCLOAK_PORT: the relay would be bypassed");
        }
        identity(config, "kc-outage-secret", "broker-outage", relayedTokenUrl);
        config.put("broker.identities.kc-outage-secret.secret-file", secret.toString());
        identity(config, "kc-outage-jwt", "broker-jwt-rs256", relayedTokenUrl);
        config.put("broker.identities.kc-outage-jwt.certificate-file", kc.get("KEYCLOAK_CLIENT_P12_FILE"));
        config.put("broker.identities.kc-outage-jwt.key-store-password-file", kc.get("KEYCLOAK_CLIENT_P12_PASS_FILE"));
        identity(config, "kc-wrong", "broker-secret", tokenUrl);
        config.put("broker.identities.kc-wrong.secret-file", wrong.toString());

        resource(config, "secret", "kc-secret", "api://demo/.default");
        resource(config, "jwt", "kc-jwt", "api://demo/.default");
        resource(config, "jwt-p12", "kc-p12", "https://vault.azure.net/.default");
        resource(config, "rotate", "kc-rotate", "api://demo/.default");
        resource(config, "outage-secret", "kc-outage-secret", "https://vault.azure.net/.default");
        resource(config, "outage-jwt", "kc-outage-jwt", "https://vault.azure.net/.default");
        resource(config, "wrong", "kc-wrong", "api://demo/.default");
        config.put("broker.resources.wrong.required", Boolean.toString(wrongRequired));
        // ProxyWithKeycloakIT: a proxy route to Keycloak's own admin REST API, a real resource server that checks
        // tokens (client broker-admin-reader, whose service account has realm-management's view-clients). Here rather
        // than in a resource of its own: that class then shares this launch instead of paying for one.
        identity(config, "kc-admin", "broker-admin-reader", tokenUrl);
        config.put("broker.identities.kc-admin.secret-file", secret.toString());
        config.put("broker.resources.kc-admin.identity", "kc-admin");
        config.put("broker.routes.kc-admin.upstream", kc.get("KEYCLOAK_URL") + "/admin/realms");
        config.put("broker.routes.kc-admin.resource", "kc-admin");
        config.put(ROUTE_PORT, Integer.toString(freePort()));
        config.put("broker.files.secret-token.resource", "secret");
        config.put("broker.files.secret-token.path", files.resolve("secret.token").toString());
        // broker.refresh.* stays at its defaults: min-serve-ttl 10 s, backoff 1..60 s.
        config.put(MANAGEMENT_PORT, Integer.toString(freePort()));
        return config;
    }

    @Override
    public void stop() {
        // Keycloak outlives this launch (see the class comment); the secret copies stay in target/ for post-mortems.
    }

    private static void identity(Map<String, String> config, String name, String clientId, String tokenUrl) {
        config.put("broker.identities." + name + ".client-id", clientId);
        config.put("broker.identities." + name + ".token-url", tokenUrl);
    }

    private static void resource(Map<String, String> config, String name, String identity, String scope) {
        config.put("broker.resources." + name + ".identity", identity);
        config.put("broker.resources." + name + ".scopes", scope);
    }

    private static Path secretDirectory() {
        try {
            return Files.createTempDirectory(KeycloakScript.DIR, "broker-secrets-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copy(Path from, Path to) {
        try {
            return Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path file, String content) {
        try {
            return Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
