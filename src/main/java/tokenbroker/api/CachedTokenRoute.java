package tokenbroker.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.InstantSource;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;
import tokenbroker.caller.CallerRegistry;
import tokenbroker.config.CallerSpec;
import tokenbroker.metrics.BrokerMetrics;
import tokenbroker.metrics.BrokerMetrics.Endpoint;
import tokenbroker.token.AccessToken;

/**
 * The hot path of the native API as a plain Vert.x route: a well-formed {@code GET /v1/tokens/{resource}} whose
 * token is cached is answered here, with bytes rendered once per second, without going through JAX-RS. Every
 * other request (a query string, plain text wanted, an unknown caller or resource, no servable token) goes on to
 * {@link TokenResource}, which owns all the rules and every error; this route only ever says yes.
 *
 * <p>Written by hand because JAX-RS' per-request machinery (parameter injection, content negotiation, response
 * building) cost more than the token lookup itself: see BENCHMARKS.md.
 */
@ApplicationScoped
public class CachedTokenRoute {

    private final TokenCache cache;
    private final CallerRegistry callers;
    private final TokenRenderer renderer;
    private final BrokerMetrics metrics;
    private final InstantSource clock;

    CachedTokenRoute(TokenCache cache, CallerRegistry callers, TokenRenderer renderer, BrokerMetrics metrics,
            InstantSource clock) {
        this.cache = cache;
        this.callers = callers;
        this.renderer = renderer;
        this.metrics = metrics;
        this.clock = clock;
    }

    void install(@Observes Router router) {
        // After HttpGuards (order -1000), before JAX-RS.
        router.get("/v1/tokens/:resource").order(-900).handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        var request = ctx.request();
        if (request.query() != null || !"true".equalsIgnoreCase(request.getHeader("Metadata"))) {
            ctx.next();
            return;
        }
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        if (accept != null && TokenResource.wantsPlainText(accept)) {
            ctx.next();
            return;
        }
        String name = ctx.pathParam("resource");
        TokenSlot slot = name == null ? null : cache.slot(name);
        if (slot == null) {
            ctx.next();
            return;
        }
        if (!callers.open()) {
            CallerSpec caller = callers.authenticate(request.getHeader("X-IDENTITY-HEADER"));
            if (caller == null || !caller.mayHave(name)) {
                ctx.next();
                return;
            }
        }
        AccessToken token = slot.servable();
        if (token == null) {
            ctx.next();
            return;
        }
        metrics.hit(name, Endpoint.NATIVE);
        ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(Buffer.buffer(renderer.nativeJson(token, slot.resource(), clock.instant())));
    }
}
