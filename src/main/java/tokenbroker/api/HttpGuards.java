package tokenbroker.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * What holds for every request on the token interface, before JAX-RS sees it: {@code Cache-Control: no-store} on
 * every answer, requests that came through a proxy refused (SPEC §3), and JSON errors for paths that match no
 * endpoint. The management interface has its own router and is not affected.
 */
@ApplicationScoped
public class HttpGuards {

    private static final String PROXIED = "{\"error\":\"invalid_request\",\"error_description\":"
            + "\"requests through a proxy are refused: X-Forwarded-For and Forwarded are not allowed\"}";

    void install(@Observes Router router) {
        router.route().order(-1000).handler(HttpGuards::guard);
        router.route().order(Integer.MAX_VALUE).handler(ctx -> end(ctx, 404, HttpErrors.json(404)));
        router.errorHandler(404, ctx -> end(ctx, 404, HttpErrors.json(404)));
        router.errorHandler(405, ctx -> end(ctx, 405, HttpErrors.json(405)));
    }

    private static void guard(RoutingContext ctx) {
        ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        var headers = ctx.request().headers();
        if (headers.contains("X-Forwarded-For") || headers.contains("Forwarded")) {
            end(ctx, 400, PROXIED);
            return;
        }
        String path = ctx.request().path();
        if (path != null && path.startsWith("//")) {
            // msal4j asks for //metadata/identity/oauth2/token (three slashes if the authority host ends in '/').
            String query = ctx.request().query();
            ctx.reroute(path.replaceFirst("^/+", "/") + (query == null ? "" : "?" + query));
            return;
        }
        ctx.next();
    }

    private static void end(RoutingContext ctx, int status, String json) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(json);
    }
}
