package tokenbroker.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.regex.Pattern;
import tokenbroker.caller.CallerRegistry;
import tokenbroker.config.CallerSpec;
import tokenbroker.config.RouteSpec;

/**
 * What a request must pass before a route adds a token to it: the token port's rules (api/HttpGuards: HTTP/1.x,
 * no proxy headers, origin-form targets, one loopback {@code Host}) restated for route ports, because HttpGuards
 * works on the token port's router and is not reusable from a bare Vert.x server; then the route's own rules
 * ({@code Metadata}, the caller and its right to the route's resource, the caller's {@code Authorization}).
 */
final class RouteGuard {

    /** The same pattern as api/HttpGuards: {@code localhost}, {@code 127.x.y.z} or {@code [::1]}, with or without a port. */
    private static final Pattern LOOPBACK_HOST = Pattern.compile(
            "(?:localhost|127(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}|\\[::1\\])(?::\\d{1,5})?",
            Pattern.CASE_INSENSITIVE);
    static final String CALLER_SECRET = "X-IDENTITY-HEADER";

    private final RouteSpec route;
    private final CallerRegistry callers;

    RouteGuard(RouteSpec route, CallerRegistry callers) {
        this.route = route;
        this.callers = callers;
    }

    /** Whether the request announces a body (which a refusal leaves unread). */
    static boolean hasBody(MultiMap headers) {
        String length = headers.get(HttpHeaders.CONTENT_LENGTH);
        return headers.contains(HttpHeaders.TRANSFER_ENCODING) || (length != null && !length.strip().equals("0"));
    }

    /** The refusal {@code request} earns, or {@code null} when it may be forwarded. */
    Refusal check(HttpServerRequest request) {
        Refusal refusal = refusal(request);
        return refusal != null && (refusal.close() || hasBody(request.headers())) ? refusal.closing() : refusal;
    }

    private Refusal refusal(HttpServerRequest request) {
        MultiMap headers = request.headers();
        if (request.version() != HttpVersion.HTTP_1_1 && request.version() != HttpVersion.HTTP_1_0) {
            return Refusal.badRequest("only HTTP/1.1 and HTTP/1.0 are spoken here").closing();
        }
        if (headers.contains(HttpHeaders.TRANSFER_ENCODING) && headers.contains(HttpHeaders.CONTENT_LENGTH)) {
            // RFC 9112 §6.1: a request with both may be an attempt at request smuggling.
            return Refusal.badRequest("a request has Content-Length or Transfer-Encoding, not both").closing();
        }
        if (request.method() == HttpMethod.CONNECT || request.method() == HttpMethod.TRACE) {
            // TRACE would echo the injected Authorization back to the caller; CONNECT opens a tunnel past the route.
            return Refusal.of(405, "invalid_request", "method " + request.method().name() + " is not forwarded");
        }
        if (headers.contains("X-Forwarded-For") || headers.contains("Forwarded") || !request.uri().startsWith("/")) {
            return Refusal.badRequest("requests through a proxy are refused: X-Forwarded-For, Forwarded and absolute"
                    + " request targets are not allowed");
        }
        if (headers.getAll(HttpHeaders.HOST).size() > 1) {
            return Refusal.badRequest("a request has one Host header");
        }
        String host = headers.get(HttpHeaders.HOST);
        if (host != null && !LOOPBACK_HOST.matcher(host).matches()) {
            return Refusal.badRequest("the Host header must name the loopback (127.0.0.1 or localhost)");
        }
        if (route.requireMetadata() && !"true".equals(headers.get("Metadata"))) {
            return Refusal.badRequest("this route requires the header Metadata: true");
        }
        if (!callers.open()) {
            CallerSpec caller = callers.authenticate(headers.get(CALLER_SECRET));
            if (caller == null) {
                return Refusal.of(401, "invalid_caller", "no known caller secret in " + CALLER_SECRET);
            }
            if (!caller.mayHave(route.resource().name())) {
                return Refusal.of(403, "access_denied", "caller " + caller.name() + " may not use route " + route.name());
            }
        }
        if (route.refuseCallerAuthorization() && headers.contains(HttpHeaders.AUTHORIZATION)) {
            return Refusal.badRequest("route " + route.name() + " sets Authorization itself: send none");
        }
        return null;
    }
}
