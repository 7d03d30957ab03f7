package tokenbroker.azure.support;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Test-only: records the requests that reach the broker's Azure endpoints exactly as they arrived (raw URI with
 * query, and the headers the SDKs send), before {@code HttpGuards} folds {@code //metadata} or JAX-RS decodes
 * anything. This is how the SDK tests see what an unmodified SDK puts on the wire, how often it asks, and whether
 * it retries. Installed only when {@code test.azure.wire-recorder=true}, so other tests' apps are unaffected.
 */
@ApplicationScoped
public class WireRecorder {

    /** One request as received. */
    public record Request(String method, String uri, String identityHeader, String metadata, String userAgent) {
    }

    private static final String SEEN = WireRecorder.class.getName();
    private static final int MAX = 200;

    private final boolean enabled;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

    WireRecorder(@ConfigProperty(name = "test.azure.wire-recorder", defaultValue = "false") boolean enabled) {
        this.enabled = enabled;
    }

    void install(@Observes Router router) {
        if (enabled) {
            router.route().order(-2000).handler(this::record);
        }
    }

    private void record(RoutingContext ctx) {
        String path = ctx.request().path();
        // A reroute (//metadata -> /metadata) runs the routes again on the same context: count the request once.
        if (ctx.get(SEEN) == null && path != null && (path.contains("/msi/") || path.contains("/metadata/"))) {
            ctx.put(SEEN, Boolean.TRUE);
            if (requests.size() < MAX) {
                var headers = ctx.request().headers();
                requests.add(new Request(ctx.request().method().name(), ctx.request().uri(), headers.get("X-IDENTITY-HEADER"),
                        headers.get("Metadata"), headers.get("User-Agent")));
            }
        }
        ctx.next();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public void clear() {
        requests.clear();
    }
}
