package tokenbroker.proxy;

import io.netty.util.AsciiString;
import io.quarkus.logging.Log;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import tokenbroker.config.RouteSpec;
import tokenbroker.door.ClosingConnections;
import tokenbroker.door.Door;
import tokenbroker.door.ErrorAnswer;
import tokenbroker.door.ErrorPolicy;
import tokenbroker.door.TokenOutcome;
import tokenbroker.door.TokenRequest;
import tokenbroker.door.TokenService;
import tokenbroker.metrics.RouteMeters;
import tokenbroker.token.AccessToken;

/**
 * One route's request handler, the proxy's door: guards the request, asks the token service for the route's token
 * as every door does ({@link TokenService#decide}: the {@code Metadata} guard where the route asks for it, the
 * caller and its right, the cache), then hands the request to an {@link Exchange}. What every exchange of the route
 * shares (the upstream client, the meters) lives here, and so does the one log line of each refusal.
 */
final class RouteProxy implements Handler<HttpServerRequest> {

    private static final ErrorAnswer ESCAPE = ErrorPolicy.invalid("the path may not hold dot segments or encoded '.', '/',"
            + " '\\' or '%' (it could leave the route's base path)");

    final RouteSpec route;
    /** How bound tokens are presented; {@code null} for a route of bearer tokens. */
    final BoundAuthorization bound;
    final RouteMeters meters;
    /**
     * The upstream client. Replaced only for a route of certificate-bound tokens, when the certificate is rotated
     * ({@code ProxyServers}), and only on this listener's event loop, the one thread that reads it.
     */
    HttpClient client;
    private final TokenService tokens;
    private final RouteGuard guard;
    /** The last token's {@code Authorization} value, encoded once; read and written on this listener's loop only. */
    private BearerValue bearer;

    /**
     * An {@code Authorization: Bearer} value made once per token rather than concatenated (1-2 kB copied) on every
     * request; as an {@link AsciiString}, Vert.x validates it as bytes, and its cached {@code toString()} is what
     * Vert.x's HTTP/1 client copies into Netty's request (which then writes it char by char: no way around that from
     * here; see BENCHMARKS.md).
     */
    private record BearerValue(AccessToken token, CharSequence value) {
        @Override
        public String toString() {
            return "BearerValue[value=<redacted>]"; // a record prints its fields; this one holds the token
        }
    }

    RouteProxy(RouteSpec route, TokenService tokens, HttpClient client, RouteMeters meters, BoundAuthorization bound) {
        this.route = route;
        this.bound = bound;
        this.tokens = tokens;
        this.client = client;
        this.meters = meters;
        this.guard = new RouteGuard(route);
    }

    @Override
    public void handle(HttpServerRequest request) {
        if (ClosingConnections.closing(request)) {
            return; // pipelined behind a refused request: the connection closes once the refusal is written
        }
        long started = System.nanoTime();
        // Nothing of a body is read until the upstream can take it: the pipe resumes the request.
        request.pause();
        ErrorAnswer refusal = guard.check(request);
        String target = refusal == null ? TargetPath.map(route.basePath(), request.uri()) : null;
        if (refusal == null && target == null) {
            refusal = ESCAPE;
        }
        if (refusal != null) {
            refuse(request, refusal, started);
            return;
        }
        Exchange exchange = new Exchange(this, request, target, started);
        exchange.start(tokens.decide(tokenRequest(request, false)));
    }

    /** The {@code Authorization} value for a bearer {@code token}: the same bytes for every request that carries it. */
    CharSequence bearer(AccessToken token) {
        BearerValue last = bearer;
        if (last != null && last.token() == token) {
            return last.value();
        }
        String value = "Bearer " + token.value();
        // Only a value of visible ASCII is pre-encoded; anything else stays a String, which Vert.x validates (and refuses).
        BearerValue now = new BearerValue(token, printableAscii(value) ? new AsciiString(value) : value);
        bearer = now;
        return now.value();
    }

    private static boolean printableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** The route's token, as the token service is asked for it; {@code force} after an upstream 401. */
    TokenOutcome token(HttpServerRequest request, boolean force) {
        return tokens.decide(tokenRequest(request, force));
    }

    private TokenRequest tokenRequest(HttpServerRequest request, boolean force) {
        boolean guarded = !route.requireMetadata() || "true".equals(request.getHeader("Metadata"));
        String secret = request.getHeader(RouteGuard.CALLER_SECRET);
        return force ? new TokenRequest(Door.PROXY, guarded, secret, route.resource().name(), null, Duration.ZERO, true,
                false, null) : TokenRequest.plain(Door.PROXY, guarded, secret, route.resource().name());
    }

    /** Answers with the broker's refusal, counts it and logs it: one line, no header value, no path. */
    void refuse(HttpServerRequest request, ErrorAnswer refusal, long started) {
        if (refusal.status() >= 500) {
            Log.warnf("proxy: route %s refused a %s request: %d %s: %s", route.name(), request.method().name(), refusal.status(),
                    refusal.error(), refusal.description());
        } else {
            Log.infof("proxy: route %s refused a %s request: %d %s: %s", route.name(), request.method().name(), refusal.status(),
                    refusal.error(), refusal.description());
        }
        meters.refused(refusal.error(), System.nanoTime() - started);
        ProxyErrors.send(request, refusal, RouteGuard.mustClose(request, refusal));
    }

    /** Why no token could be had: the token API's table (door/ErrorPolicy), on the proxy door. */
    void noToken(HttpServerRequest request, Throwable failure, long started) {
        refuse(request, ErrorPolicy.answer(Door.PROXY, failure), started);
    }

    /** The upstream could not be reached, or did not answer in time. */
    void unreachable(HttpServerRequest request, Throwable failure, long started) {
        refuse(request, ErrorPolicy.upstream(route.name(), route.timeout(), failure), started);
    }
}
