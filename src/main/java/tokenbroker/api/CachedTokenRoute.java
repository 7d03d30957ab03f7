package tokenbroker.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.InstantSource;
import tokenbroker.api.azure.AzureResourceIndex;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;
import tokenbroker.caller.CallerRegistry;
import tokenbroker.config.CallerSpec;
import tokenbroker.metrics.BrokerMetrics;
import tokenbroker.metrics.BrokerMetrics.Endpoint;
import tokenbroker.token.AccessToken;

/**
 * The hot path as plain Vert.x routes: a well-formed {@code GET /v1/tokens/{resource}} or
 * {@code GET /msi/token?api-version=2019-08-01&resource=R} whose token is cached is answered here, with bytes
 * rendered once per second, without going through JAX-RS. Every other request (other parameters, plain text
 * wanted, an unknown caller or resource, no servable token) goes on to {@link TokenResource} or the Azure
 * endpoints, which own all the rules and every error: these routes only ever say yes.
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
    private final AzureResourceIndex index;

    CachedTokenRoute(TokenCache cache, CallerRegistry callers, TokenRenderer renderer, BrokerMetrics metrics,
            InstantSource clock, AzureResourceIndex index) {
        this.index = index;
        this.cache = cache;
        this.callers = callers;
        this.renderer = renderer;
        this.metrics = metrics;
        this.clock = clock;
    }

    void install(@Observes Router router) {
        // After HttpGuards (order -1000), before JAX-RS.
        router.get("/v1/tokens/:resource").order(-900).handler(this::serve);
        router.get("/msi/token").order(-900).handler(this::serveManagedIdentity);
    }

    /** {@code GET /msi/token?api-version=2019-08-01&resource=R}, exactly, as the Azure SDKs send it. */
    private void serveManagedIdentity(RoutingContext ctx) {
        var request = ctx.request();
        String secret = request.getHeader("X-IDENTITY-HEADER");
        var params = ctx.queryParams();
        if (secret == null || secret.isEmpty() || params.size() != 2
                || params.getAll("api-version").size() != 1 || !"2019-08-01".equals(params.get("api-version"))
                || params.getAll("resource").size() != 1) {
            ctx.next();
            return;
        }
        String requested = params.get("resource");
        TokenSlot slot;
        try {
            slot = index.find(requested, null);
        } catch (ApiError e) {
            ctx.next();
            return;
        }
        String name = slot.resource().name();
        AccessToken token = allowed(secret, name) ? slot.servable() : null;
        if (token == null) {
            ctx.next();
            return;
        }
        metrics.hit(name, Endpoint.MSI);
        ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(Buffer.buffer(renderer.managedIdentityJson(token, slot.resource(), requested, clock.instant())));
    }

    /** Whether the caller presenting {@code secret} may have {@code resource}; always in open mode. */
    private boolean allowed(String secret, String resource) {
        if (callers.open()) {
            return true;
        }
        CallerSpec caller = callers.authenticate(secret);
        return caller != null && caller.mayHave(resource);
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
        AccessToken token = allowed(request.getHeader("X-IDENTITY-HEADER"), name) ? slot.servable() : null;
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
