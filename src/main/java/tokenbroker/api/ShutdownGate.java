package tokenbroker.api;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import tokenbroker.door.Door;
import tokenbroker.door.ErrorPolicy;
import tokenbroker.door.ErrorWriter;

/**
 * Refuses new requests on the token interface once the broker is shutting down, while the requests in flight
 * finish (up to {@code quarkus.shutdown.timeout}). Quarkus itself keeps the port open and serves new requests during
 * that time, only adding {@code Connection: close}; a token handed out then could be the one that outlives the pod.
 *
 * <p>Shutdown is seen through {@link ShutdownDelayInitiatedEvent}, which Quarkus fires in its pre-shutdown phase,
 * before it waits for the requests in flight, when {@code quarkus.shutdown.delay-enabled=true} (a build-time
 * setting; without {@code quarkus.shutdown.delay} there is no delay).
 */
@ApplicationScoped
public class ShutdownGate {

    /** Set once, when shutdown begins; read on the event loop. */
    private volatile boolean stopping;

    void install(@Observes Router router) {
        router.route().order(-1001).handler(this::refuseWhenStopping);
    }

    void stopping(@Observes ShutdownDelayInitiatedEvent event) {
        stopping = true;
    }

    private void refuseWhenStopping(RoutingContext ctx) {
        if (!stopping) {
            ctx.next();
            return;
        }
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        ErrorWriter.write(ctx.response(), Door.ofPath(ctx.request().path()), ErrorPolicy.shuttingDown())
                .onComplete(written -> ctx.request().connection().close());
    }
}
