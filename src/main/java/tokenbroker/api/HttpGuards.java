package tokenbroker.api;

import io.quarkus.logging.Log;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import tokenbroker.door.Door;
import tokenbroker.door.ErrorAnswer;
import tokenbroker.door.ErrorPolicy;
import tokenbroker.door.ErrorWriter;

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

    private static final ErrorAnswer PROXIED = ErrorPolicy.invalid("requests through a proxy are refused:"
            + " X-Forwarded-For, Forwarded and absolute request targets are not allowed");
    private static final ErrorAnswer WITH_BODY = ErrorPolicy.invalid("token requests have no body");
    private static final ErrorAnswer UNSUPPORTED_VERSION = ErrorPolicy.invalid("only HTTP/1.1 and HTTP/1.0 are spoken here");
    private static final ErrorAnswer FOREIGN_HOST = ErrorPolicy.invalid("the Host header must name the loopback (127.0.0.1 or localhost)");
    private static final ErrorAnswer HOSTS = ErrorPolicy.invalid("a request has one Host header");

    /**
     * Connections being closed after a refusal. Vert.x hands a request pipelined behind the refused one to the router
     * within the refusal's {@code end()}, before the connection is closed: it must not be served. A connection leaves
     * the set once closed. Concurrent and lock-free: every request on every event loop reads it.
     */
    private static final Set<HttpConnection> CLOSING = ConcurrentHashMap.newKeySet();

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
        if (CLOSING.contains(request.connection())) {
            return; // pipelined behind a refused request: no answer, the connection closes once the refusal is written
        }
        ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        if (request.version() != HttpVersion.HTTP_1_1 && request.version() != HttpVersion.HTTP_1_0) {
            // Vert.x answers any "HTTP/x.y" in kind and reports versions other than 1.0, 1.1 and 2 as null.
            close(ctx, UNSUPPORTED_VERSION);
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
        if (headers.contains("X-Forwarded-For") || headers.contains("Forwarded") || !request.uri().startsWith("/")) {
            end(ctx, PROXIED);
            return;
        }
        if (headers.getAll(HttpHeaders.HOST).size() > 1) {
            // Which one would count? Vert.x reads the first, a proxy or a log may read the last (RFC 9112 §3.2: 400).
            end(ctx, HOSTS);
            return;
        }
        if (checkHost && !loopbackHost(headers.get(HttpHeaders.HOST))) {
            end(ctx, FOREIGN_HOST);
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

    /**
     * {@code localhost}, {@code 127.x.y.z} or {@code [::1]}, with or without a port; absent is accepted (HTTP/1.0).
     * Scanned by hand, not by a regex: a {@code Matcher} and its arrays would be allocated on every request.
     */
    static boolean loopbackHost(String host) {
        if (host == null) {
            return true;
        }
        int end = host.length();
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && !(host.startsWith("[") && colon < host.indexOf(']'))) {
            if (!digits(host, colon + 1, end, 1, 5)) {
                return false;
            }
            end = colon;
        }
        if (end == 9 && host.regionMatches(true, 0, "localhost", 0, 9) || end == 5 && host.startsWith("[::1]")) {
            return true;
        }
        if (end < 4 || !host.startsWith("127.")) {
            return false;
        }
        int start = 4;
        for (int octet = 0; octet < 3; octet++) {
            int dot = octet < 2 ? host.indexOf('.', start) : end;
            if (dot < 0 || dot > end || !octet(host, start, dot)) {
                return false;
            }
            start = dot + 1;
        }
        return true;
    }

    /** An octet 0-255 in {@code host[from, to)}, without leading zeros. */
    private static boolean octet(String host, int from, int to) {
        if (!digits(host, from, to, 1, 3) || (to - from > 1 && host.charAt(from) == '0')) {
            return false;
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            value = value * 10 + host.charAt(i) - '0';
        }
        return value <= 255;
    }

    private static boolean digits(String s, int from, int to, int min, int max) {
        if (to - from < min || to - from > max) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static void close(RoutingContext ctx, ErrorAnswer answer) {
        // Close after answering: the unread body must never be taken for the next request on this connection.
        // Vert.x keeps an HTTP/1.1 connection open whatever the answer's Connection header says, hence close().
        HttpConnection connection = ctx.request().connection();
        CLOSING.add(connection);
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        end(ctx, answer).onComplete(written -> connection.close().onComplete(closed -> CLOSING.remove(connection)));
    }

    private static Future<Void> end(RoutingContext ctx, ErrorAnswer answer) {
        return ErrorWriter.write(ctx.response(), Door.ofPath(ctx.request().path()), answer);
    }
}
