package tokenbroker.edge;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import tokenbroker.testing.KeyStoreKeys;

/**
 * The broker of {@link IdpEdgeTest}: two resources on a {@link SocketIdp}, {@code edge} (a client secret) and
 * {@code edge-jwt} (a certificate: signed assertions with a {@code jti}); a 1 s IdP deadline, backoff 200-400 ms and
 * a sweep every second (Quarkus' shortest), min-serve-ttl 1 s and force-interval 500 ms, on the real clock: the subject here is real network time.
 */
public class SocketIdpResource implements QuarkusTestResourceLifecycleManager {

    static SocketIdp idp;
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            idp = new SocketIdp();
            dir = Files.createTempDirectory("token-broker-edge");
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.http.test-port", "0");
            config.put("quarkus.management.test-port", "0");
            config.put("broker.idp.timeout", "1s");
            config.put("broker.idp.connect-timeout", "1s");
            config.put("broker.refresh.backoff-initial", "200ms");
            config.put("broker.refresh.backoff-max", "400ms");
            config.put("broker.refresh.sweep-interval", "1s");
            config.put("broker.refresh.min-serve-ttl", "1s");
            config.put("broker.refresh.force-interval", "500ms");
            config.put("broker.identities.secret.client-id", "edge-client");
            config.put("broker.identities.secret.token-url", idp.tokenUrl());
            config.put("broker.identities.secret.secret-file",
                    Files.writeString(dir.resolve("secret"), "edge-secret-" + System.nanoTime()).toString());
            KeyStoreKeys keys = KeyStoreKeys.generate(dir.resolve("source.p12"), "edge-password-" + System.nanoTime(), "edge");
            Path certificate = dir.resolve("client.crt.pem");
            Path key = dir.resolve("client.key.pem");
            keys.writePem(certificate, key);
            config.put("broker.identities.jwt.client-id", "edge-jwt-client");
            config.put("broker.identities.jwt.token-url", idp.tokenUrl());
            config.put("broker.identities.jwt.certificate-file", certificate.toString());
            config.put("broker.identities.jwt.key-file", key.toString());
            config.put("broker.resources.edge.identity", "secret");
            config.put("broker.resources.edge.scopes", "edge.read");
            config.put("broker.resources.edge-jwt.identity", "jwt");
            config.put("broker.resources.edge-jwt.scopes", "edge.jwt");
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        try {
            if (idp != null) {
                idp.close();
            }
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
