package tokenbroker.proxy;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import tokenbroker.binding.TokenPresenter;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.RouteSpec;
import tokenbroker.door.TokenService;
import tokenbroker.metrics.BrokerMetrics;
import tokenbroker.metrics.RouteMeters;
import tokenbroker.token.TokenBinding;

/**
 * The proxy routes' servers, started with the broker and closed when it stops. Each route is served on
 * {@code 127.0.0.1:<port>} by one listener per event loop (a verticle deployed once per loop, sharing the port: a
 * server made outside a verticle runs on one loop only, which left the other core idle), and each listener has its
 * own upstream {@link HttpClient}, so that an exchange's caller and upstream connections live on the same loop and
 * no write crosses threads. A port that cannot be bound fails start-up, naming the route.
 */
@ApplicationScoped
public class ProxyServers {

    /** Caller connections with nothing read or written this long are closed, as on the token port. */
    private static final int CALLER_IDLE_SECONDS = 60;

    private final List<String> deployments = new ArrayList<>();
    /** Filled at start-up, read by tests and the start-up log. */
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    private Vertx vertx;

    void start(@Observes StartupEvent event, Vertx vertx, BrokerSetup setup, TokenService tokens, BrokerMetrics metrics,
            TokenPresenter presenter)
            throws Exception {
        this.vertx = vertx;
        int loops = eventLoops(vertx);
        // Far from -1 (and its neighbours), which Quarkus uses for its own servers on port 0: sharing one would put a
        // route on the token port, each request going to either server.
        int shared = -10_000;
        for (RouteSpec route : setup.routes()) {
            // Port 0 (tests): a negative port makes Vert.x pick one random port that all the route's listeners share.
            int port = route.port() == 0 ? shared-- : route.port();
            RouteMeters meters = metrics.route(route.name());
            int perLoop = Math.max(1, (route.maxConnections() + loops - 1) / loops);
            DeploymentOptions options = new DeploymentOptions().setInstances(loops);
            Map<String, Integer> bound = new ConcurrentHashMap<>();
            BoundAuthorization authorization = BoundAuthorization.of(route, presenter);
            try {
                String id = vertx.deployVerticle(() -> new RouteListener(route, port, perLoop, tokens, meters, bound, authorization,
                        presenter), options)
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                deployments.add(id);
            } catch (Exception e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new IllegalStateException("broker.routes." + route.name() + ".port: cannot listen on 127.0.0.1:" + route.port()
                        + " (" + cause.getClass().getSimpleName() + ")", e);
            }
            int actual = bound.get("port");
            ports.put(route.name(), actual);
            Log.infof("proxy: route %s listens on 127.0.0.1:%d (%d event loops) and forwards to %s with resource %s's token",
                    route.name(), actual, loops, route.upstream(), route.resource().name());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        for (String id : deployments) {
            vertx.undeploy(id);
        }
    }

    /** The port route {@code name} listens on (the bound one when configured as 0), or -1. */
    public int port(String name) {
        return ports.getOrDefault(name, -1);
    }

    private static int eventLoops(Vertx vertx) {
        int n = 0;
        for (var ignored : ((VertxInternal) vertx).getEventLoopGroup()) {
            n++;
        }
        return Math.max(1, n);
    }

    /** One event loop's listener of a route: its server and its upstream client, closed when undeployed. */
    private static final class RouteListener extends AbstractVerticle {
        private final RouteSpec route;
        private final int port;
        private final int maxConnections;
        private final TokenService tokens;
        private final RouteMeters meters;
        private final Map<String, Integer> bound;
        private final BoundAuthorization authorization;
        private final TokenPresenter presenter;
        private HttpClient client;
        private CertificateClients certificateClients;

        RouteListener(RouteSpec route, int port, int maxConnections, TokenService tokens, RouteMeters meters,
                Map<String, Integer> bound, BoundAuthorization authorization, TokenPresenter presenter) {
            this.route = route;
            this.port = port;
            this.maxConnections = maxConnections;
            this.tokens = tokens;
            this.meters = meters;
            this.bound = bound;
            this.authorization = authorization;
            this.presenter = presenter;
        }

        @Override
        public void start(Promise<Void> started) {
            if (route.resource().identity().binding() == TokenBinding.CERTIFICATE) {
                certificateClients = new CertificateClients(vertx, route, maxConnections, presenter);
            } else {
                client = UpstreamClients.create(vertx, route, maxConnections);
            }
            HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(port)
                    .setIdleTimeout(CALLER_IDLE_SECONDS)
                    // HTTP/1.x only, as on the token port: an h2c request has no Host header to check.
                    .setHttp2ClearTextEnabled(false)
                    .setHandle100ContinueAutomatically(true)
                    .setDecompressionSupported(false)
                    .setCompressionSupported(false)
                    // No WebSocket here (Upgrade is hop-by-hop and dropped): without these, Vert.x puts a WebSocket
                    // extension handler in every connection's pipeline, which each request and answer passes through.
                    .setPerMessageWebSocketCompressionSupported(false)
                    .setPerFrameWebSocketCompressionSupported(false);
            RouteProxy proxy = new RouteProxy(route, tokens, certificateClients != null ? certificateClients.client() : client, meters,
                    authorization);
            if (certificateClients != null) {
                certificateClients.watch(proxy);
            }
            vertx.createHttpServer(options).requestHandler(proxy).listen()
                    .onSuccess(server -> {
                        bound.put("port", server.actualPort());
                        started.complete();
                    })
                    .onFailure(started::fail);
        }

        @Override
        public void stop() {
            if (client != null) {
                client.close();
            }
            if (certificateClients != null) {
                certificateClients.close();
            }
        }
    }
}
