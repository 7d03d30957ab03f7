package tokenbroker.proxy;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.RouteSpec;
import tokenbroker.door.TokenService;
import tokenbroker.metrics.BrokerMetrics;

/**
 * The proxy routes' servers: one Vert.x {@link HttpServer} per route on {@code 127.0.0.1:<port>}, and one upstream
 * {@link HttpClient} each, started with the broker and closed when it stops. A port that cannot be bound fails
 * start-up, naming the route.
 */
@ApplicationScoped
public class ProxyServers {

    /** Caller connections with nothing read or written this long are closed, as on the token port. */
    private static final int CALLER_IDLE_SECONDS = 60;

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<HttpClient> clients = new ArrayList<>();
    /** Filled at start-up, read by tests and the start-up log. */
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();

    void start(@Observes StartupEvent event, Vertx vertx, BrokerSetup setup, TokenService tokens, BrokerMetrics metrics)
            throws Exception {
        for (RouteSpec route : setup.routes()) {
            HttpClient client = UpstreamClients.create(vertx, route);
            clients.add(client);
            RouteProxy proxy = new RouteProxy(route, tokens, client, metrics.route(route.name()));
            HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(route.port())
                    .setIdleTimeout(CALLER_IDLE_SECONDS)
                    // HTTP/1.x only, as on the token port: an h2c request has no Host header to check.
                    .setHttp2ClearTextEnabled(false)
                    .setHandle100ContinueAutomatically(true)
                    .setDecompressionSupported(false)
                    .setCompressionSupported(false);
            HttpServer server = vertx.createHttpServer(options).requestHandler(proxy);
            try {
                server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("broker.routes." + route.name() + ".port: cannot listen on 127.0.0.1:" + route.port()
                        + " (" + (e.getCause() == null ? e : e.getCause()).getClass().getSimpleName() + ")", e);
            }
            servers.add(server);
            ports.put(route.name(), server.actualPort());
            Log.infof("proxy: route %s listens on 127.0.0.1:%d and forwards to %s with resource %s's token", route.name(),
                    server.actualPort(), route.upstream(), route.resource().name());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        for (HttpServer server : servers) {
            server.close();
        }
        for (HttpClient client : clients) {
            client.close();
        }
    }

    /** The port route {@code name} listens on (the bound one when configured as 0), or -1. */
    public int port(String name) {
        return ports.getOrDefault(name, -1);
    }
}
