package tokenbroker.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import tokenbroker.binding.TokenPresenter;
import tokenbroker.config.RouteSpec;
import tokenbroker.credential.KeyMaterial;

/**
 * The upstream clients of one listener of a route whose tokens are certificate-bound (RFC 8705): each client presents
 * one certificate of the identity in its TLS handshakes, and a rotated certificate file gets a new client within a
 * second, so that new connections present the new certificate. The old client is closed once its exchanges are
 * likely over (the route's timeout, and a minute more); its idle connections close before that.
 *
 * <p>A token and a connection may still disagree for a moment after a rotation (a new token on an old connection, or
 * the reverse): {@link BoundAuthorization} sends neither. Runs on the listener's event loop only, so no field needs a
 * guard.
 */
final class CertificateClients {

    private static final long CHECK_MILLIS = 1000;

    private final Vertx vertx;
    private final RouteSpec route;
    private final int maxConnections;
    private final TokenPresenter presenter;
    private KeyMaterial keys;
    private HttpClient client;

    CertificateClients(Vertx vertx, RouteSpec route, int maxConnections, TokenPresenter presenter) {
        this.vertx = vertx;
        this.route = route;
        this.maxConnections = maxConnections;
        this.presenter = presenter;
        this.keys = presenter.clientCertificate(route.resource());
        this.client = UpstreamClients.create(vertx, route, maxConnections, keys);
    }

    HttpClient client() {
        return client;
    }

    /** Checks the certificate files every second and gives {@code proxy} a new client when they changed. */
    long watch(RouteProxy proxy) {
        return vertx.setPeriodic(CHECK_MILLIS, id -> {
            KeyMaterial now = presenter.clientCertificate(route.resource());
            if (now == null || now == keys) {
                return; // unchanged, or unreadable mid-rotation: keep the certificate in use
            }
            HttpClient old = client;
            keys = now;
            client = UpstreamClients.create(vertx, route, maxConnections, now);
            proxy.client = client;
            vertx.setTimer(route.timeout().toMillis() + 60_000, t -> old.close());
        });
    }

    void close() {
        client.close();
    }
}
