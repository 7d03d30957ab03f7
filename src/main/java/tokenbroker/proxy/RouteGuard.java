package tokenbroker.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import tokenbroker.config.RouteSpec;
import tokenbroker.door.ErrorAnswer;
import tokenbroker.door.ErrorPolicy;
import tokenbroker.door.RequestRules;

/**
 * What a request must pass before a route asks for its token: the rules of every broker port (door/RequestRules:
 * HTTP/1.x, no proxy headers, origin-form targets, one loopback {@code Host}), then what only a proxy needs (no
 * request with both {@code Content-Length} and {@code Transfer-Encoding}, no {@code CONNECT} or {@code TRACE}, the
 * route's rule on the caller's {@code Authorization}). The caller, its right and the {@code Metadata} guard are the
 * token service's to judge, as for every door.
 */
final class RouteGuard {

    /** The caller secret header: read by the token service, never forwarded. */
    static final String CALLER_SECRET = "X-IDENTITY-HEADER";
    private static final ErrorAnswer SMUGGLING = ErrorPolicy.invalid("a request has Content-Length or Transfer-Encoding, not both");

    private final ErrorAnswer callerAuthorization;
    private final boolean refuseCallerAuthorization;

    RouteGuard(RouteSpec route) {
        this.refuseCallerAuthorization = route.refuseCallerAuthorization();
        this.callerAuthorization = ErrorPolicy.invalid("route " + route.name() + " sets Authorization itself: send none");
    }

    /** Whether the request announces a body (which a refusal leaves unread). */
    static boolean hasBody(MultiMap headers) {
        String length = headers.get(HttpHeaders.CONTENT_LENGTH);
        return headers.contains(HttpHeaders.TRANSFER_ENCODING) || (length != null && !length.strip().equals("0"));
    }

    /** The refusal {@code request} earns, or {@code null} when it may go on to the token service. */
    ErrorAnswer check(HttpServerRequest request) {
        ErrorAnswer version = RequestRules.version(request);
        if (version != null) {
            return version;
        }
        MultiMap headers = request.headers();
        if (headers.contains(HttpHeaders.TRANSFER_ENCODING) && headers.contains(HttpHeaders.CONTENT_LENGTH)) {
            // RFC 9112 §6.1: a request with both may be an attempt at request smuggling.
            return SMUGGLING;
        }
        if (request.method() == HttpMethod.CONNECT || request.method() == HttpMethod.TRACE) {
            // TRACE would echo the injected Authorization back to the caller; CONNECT opens a tunnel past the route.
            return new ErrorAnswer(405, "invalid_request", "method " + request.method().name() + " is not forwarded", null);
        }
        ErrorAnswer origin = RequestRules.origin(request, true);
        if (origin != null) {
            return origin;
        }
        if (refuseCallerAuthorization && headers.contains(HttpHeaders.AUTHORIZATION)) {
            return callerAuthorization;
        }
        return null;
    }

    /** Whether a refusal of {@code request} must close the connection: an ambiguous or unread body, a bad version. */
    static boolean mustClose(HttpServerRequest request, ErrorAnswer refusal) {
        return refusal == SMUGGLING || RequestRules.version(request) != null || hasBody(request.headers());
    }
}
