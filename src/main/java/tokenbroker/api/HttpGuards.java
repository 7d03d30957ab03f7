package tokenbroker.api;

import io.quarkus.logging.Log;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import tokenbroker.door.ClosingConnections;
import tokenbroker.door.Door;
import tokenbroker.door.ErrorAnswer;
import tokenbroker.door.ErrorPolicy;
import tokenbroker.door.ErrorWriter;
import tokenbroker.door.RequestRules;

/**
 * What holds for every request on the token interface, before the token doors or JAX-RS see it. The management interface has its
 * own router and is not affected.
 *
 * <ul>
 *   <li>{@code Cache-Control: no-store} on every answer, and JSON errors for paths, methods and malformed
 *       requests that no endpoint handles.</li>
 *   <li>Only {@code GET}, without a body: a token request has no use for either, and refusing them closes the
 *       doors of CORS pre-flights ({@code OPTIONS}) and request smuggling (bodies the next hop reads otherwise).</li>
 *   <li>No proxy: {@code X-Forwarded-For}, {@code Forwarded} and absolute-form request targets are refused
 *       (SPEC §3).</li>
 *   <li>While the interface is bound to the loopback, the {@code Host} must name the loopback too: a browser
 *       page that rebinds its own DNS name to 127.0.0.1 cannot reach the broker. One {@code Host} only.</li>
 *   <li>HTTP/1.0 and 1.1 only: an HTTP/2 request carries no {@code Host} header, and would pass the check above.</li>
 * </ul>
 */
@ApplicationScoped
public class HttpGuards {

    private static final ErrorAnswer WITH_BODY = ErrorPolicy.invalid("token requests have no body");

    void install(@Observes Router router, @ConfigProperty(name = "quarkus.http.host") String boundHost) {
        boolean checkHost = ExposureWarning.isLoopback(boundHost);
        router.route().order(-1000).handler(ctx -> guard(ctx, checkHost));
        // Before Quarkus' own failure handler, whose error page is neither our JSON nor no-store.
        router.route().order(-1000).failureHandler(HttpGuards::failed);
        router.route().order(Integer.MAX_VALUE).handler(ctx -> end(ctx, ErrorPolicy.forStatus(404)));
        for (int status : new int[] { 400, 404, 405, 406, 413, 414, 415, 431, 500 }) {
            router.errorHandler(status, ctx -> end(ctx, ErrorPolicy.forStatus(status)));
        }
    }

    private static void guard(RoutingContext ctx, boolean checkHost) {
        var request = ctx.request();
        if (ClosingConnections.closing(request)) {
            return; // pipelined behind a refused request: no answer, the connection closes once the refusal is written
        }
        ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        ErrorAnswer version = RequestRules.version(request);
        if (version != null) {
            close(ctx, version);
            return;
        }
        if (request.method() != HttpMethod.GET) {
            close(ctx, ErrorPolicy.forStatus(405));
            return;
        }
        var headers = request.headers();
        if (headers.contains(HttpHeaders.TRANSFER_ENCODING) || hasBody(headers.get(HttpHeaders.CONTENT_LENGTH))) {
            close(ctx, WITH_BODY);
            return;
        }
        ErrorAnswer origin = RequestRules.origin(request, checkHost);
        if (origin != null) {
            end(ctx, origin);
            return;
        }
        String path = request.path();
        if (path != null && path.startsWith("//")) {
            // msal4j asks for //metadata/identity/oauth2/token (three slashes if the authority host ends in '/').
            String query = request.query();
            ctx.reroute(path.replaceFirst("^/+", "/") + (query == null ? "" : "?" + query));
            return;
        }
        ctx.next();
    }

    /**
     * A request that failed below JAX-RS: Vert.x Web itself refuses an HTTP/1.1 request without a valid {@code Host}
     * (missing, {@code localhost:abc}, {@code user@host}) with a 400 failure.
     */
    private static void failed(RoutingContext ctx) {
        int status = ctx.statusCode();
        if (status >= 400 && status < 500) {
            end(ctx, ErrorPolicy.forStatus(status));
            return;
        }
        Log.errorf(ctx.failure(), "api: unexpected failure below JAX-RS (%s)",
                ctx.failure() == null ? "status " + status : ctx.failure().getClass().getSimpleName());
        end(ctx, ErrorPolicy.forStatus(500));
    }

    private static boolean hasBody(String contentLength) {
        return contentLength != null && !contentLength.strip().equals("0");
    }

    private static void close(RoutingContext ctx, ErrorAnswer answer) {
        // Close after answering: the unread body must never be taken for the next request on this connection.
        ClosingConnections.answerThenClose(ctx.request(), () -> end(ctx, answer));
    }

    private static Future<Void> end(RoutingContext ctx, ErrorAnswer answer) {
        return ErrorWriter.write(ctx.response(), Door.ofPath(ctx.request().path()), answer);
    }
}
