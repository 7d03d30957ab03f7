package tokenbroker.door;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The token port's server options that Quarkus has no configuration key for. The broker serves no WebSocket
 * (nothing upgrades), yet with Vert.x's defaults every HTTP/1 connection carries a WebSocket compression extension
 * handler that each request and each answer passes through: off, as on the proxy routes' servers.
 */
@ApplicationScoped
public class TokenPortOptions implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        customizeHttpServer(options);
    }
}
