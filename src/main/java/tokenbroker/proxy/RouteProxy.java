package tokenbroker.proxy;

import io.quarkus.logging.Log;
import io.vertx.core.Handler;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import tokenbroker.cache.MinTtlUnreachableException;
import tokenbroker.cache.RefreshThrottledException;
import tokenbroker.cache.TokenSlot;
import tokenbroker.cache.TokenUnavailableException;
import tokenbroker.caller.CallerRegistry;
import tokenbroker.config.RouteSpec;
import tokenbroker.metrics.RouteMeters;

/**
 * One route's request handler: guards the request, then hands it to an {@link Exchange} with the route's token. What
 * every exchange of the route shares (the upstream client, the token slot, the meters) lives here, and so does the
 * mapping of failures to the broker's refusals, with their one log line each.
 */
final class RouteProxy implements Handler<HttpServerRequest> {

    final RouteSpec route;
    final TokenSlot slot;
    final HttpClient client;
    final RouteMeters meters;
    private final RouteGuard guard;

    RouteProxy(RouteSpec route, TokenSlot slot, CallerRegistry callers, HttpClient client, RouteMeters meters) {
        this.route = route;
        this.slot = slot;
        this.client = client;
        this.meters = meters;
        this.guard = new RouteGuard(route, callers);
    }

    @Override
    public void handle(HttpServerRequest request) {
        if (ProxyErrors.closing(request)) {
            return; // pipelined behind a refused request: the connection closes once the refusal is written
        }
        long started = System.nanoTime();
        // Nothing of a body is read until the upstream can take it: the pipe resumes the request.
        request.pause();
        Refusal refusal = guard.check(request);
        String target = refusal == null ? TargetPath.map(route.basePath(), request.uri()) : null;
        if (refusal == null && target == null) {
            refusal = Refusal.badRequest("the path may not hold dot segments or encoded '.', '/', '\\\\' or '%'"
                    + " (it could leave the route's base path)");
            refusal = RouteGuard.hasBody(request.headers()) ? refusal.closing() : refusal;
        }
        if (refusal != null) {
            refuse(request, refusal, started);
            return;
        }
        new Exchange(this, request, target, started).start();
    }

    /** Answers with the broker's refusal, counts it and logs it: one line, no header value, no path. */
    void refuse(HttpServerRequest request, Refusal refusal, long started) {
        if (refusal.status() >= 500) {
            Log.warnf("proxy: route %s refused a %s request: %d %s: %s", route.name(), request.method().name(), refusal.status(),
                    refusal.error(), refusal.description());
        } else {
            Log.infof("proxy: route %s refused a %s request: %d %s: %s", route.name(), request.method().name(), refusal.status(),
                    refusal.error(), refusal.description());
        }
        meters.refused(refusal.error(), System.nanoTime() - started);
        ProxyErrors.send(request, refusal);
    }

    /** Why no token could be had, as the token API answers it (api/ErrorMapper). */
    Refusal noToken(Throwable failure) {
        if (failure instanceof TokenUnavailableException e) {
            return e.failure().retryable()
                    ? new Refusal(503, "temporarily_unavailable", e.getMessage(), e.retryAfter(), false)
                    : Refusal.of(502, "idp_error", e.getMessage());
        }
        if (failure instanceof RefreshThrottledException e) {
            return new Refusal(503, "temporarily_unavailable", e.getMessage(), e.retryAfter(), false);
        }
        if (failure instanceof MinTtlUnreachableException e) {
            return Refusal.of(502, "idp_error", e.getMessage());
        }
        Log.errorf("proxy: route %s: unexpected %s while waiting for a token", route.name(), failure.getClass().getName());
        return new Refusal(503, "temporarily_unavailable", "no token for resource " + route.resource().name(),
                Duration.ofSeconds(1), false);
    }

    /** The upstream could not be reached, or did not answer in time. Names the failure's class, never its message. */
    Refusal unreachable(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return Refusal.of(504, "upstream_timeout", "the upstream of route " + route.name() + " sent nothing for "
                    + route.timeout().toSeconds() + " s");
        }
        if (failure instanceof ConnectionPoolTooBusyException) {
            return new Refusal(503, "temporarily_unavailable", "route " + route.name() + " has too many requests waiting"
                    + " for a connection to its upstream", Duration.ofSeconds(1), false);
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String tls = failure instanceof SSLException || root instanceof SSLException || root instanceof java.security.cert.CertificateException
                ? "TLS: " : "";
        return Refusal.of(502, "upstream_unreachable", "cannot reach the upstream of route " + route.name() + " ("
                + tls + root.getClass().getSimpleName() + ")");
    }
}
