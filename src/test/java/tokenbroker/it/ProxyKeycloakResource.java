package tokenbroker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * {@link KeycloakResource} plus a proxy route to Keycloak's own admin REST API, a real resource server that checks
 * tokens: identity {@code kc-admin} (client broker-admin-reader, whose service account has realm-management's
 * {@code view-clients}), resource {@code kc-admin}, and route {@code kc-admin} on a free loopback port, forwarding to
 * {@code <keycloak>/admin/realms}.
 */
public class ProxyKeycloakResource extends KeycloakResource {

    static final String ROUTE_PORT = "broker.routes.kc-admin.port";

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        Map<String, String> kc = KeycloakScript.env();
        config.put("broker.identities.kc-admin.client-id", "broker-admin-reader");
        config.put("broker.identities.kc-admin.token-url", kc.get("KEYCLOAK_TOKEN_URL"));
        config.put("broker.identities.kc-admin.secret-file", config.get("broker.identities.kc-secret.secret-file"));
        config.put("broker.resources.kc-admin.identity", "kc-admin");
        config.put("broker.routes.kc-admin.upstream", kc.get("KEYCLOAK_URL") + "/admin/realms");
        config.put("broker.routes.kc-admin.resource", "kc-admin");
        config.put(ROUTE_PORT, Integer.toString(freeLoopbackPort()));
        return config;
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
