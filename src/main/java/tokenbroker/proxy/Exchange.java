package tokenbroker.proxy;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.regex.Pattern;
import tokenbroker.cache.Take;
import tokenbroker.door.ErrorPolicy;
import tokenbroker.door.TokenOutcome;
import tokenbroker.token.AccessToken;

/**
 * One caller's request through a route: the token added, the request and its body streamed to the upstream, the
 * answer streamed back, and at most one retry with a new token after an upstream {@code 401 invalid_token} (for a
 * {@code GET}, {@code HEAD} or {@code OPTIONS} without a body only). Runs on the caller connection's event loop; a
 * token that had to be awaited is brought back to it.
 *
 * <p>No exchange outlives its parties: the caller leaving resets the upstream request, the upstream failing or going
 * quiet for the route's timeout (the request's idle timeout, which resets it) closes the caller's connection, so that
 * no pooled connection is held by an abandoned exchange.
 */
final class Exchange {

    /** A Bearer or DPoP challenge with {@code error="invalid_token"} (RFC 6750 §3.1, RFC 9449 §7.1), in any challenge. */
    private static final Pattern INVALID_TOKEN = Pattern.compile("(?i)(?:^|[\\s,])(?:bearer|dpop)\\b.*\\berror\\s*=\\s*\"?invalid_token\\b");

    /** Answers up to this size are read whole and written at once; larger ones stream. */
    static final int SMALL_BODY = 16 * 1024;

    private final RouteProxy route;
    private final HttpServerRequest request;
    private final String target;
    private final long started;
    private final boolean hasBody;
    private final Context context;
    private boolean retried;

    Exchange(RouteProxy route, HttpServerRequest request, String target, long started) {
        this.route = route;
        this.request = request;
        this.target = target;
        this.started = started;
        this.hasBody = RouteGuard.hasBody(request.headers());
        this.context = Vertx.currentContext();
    }

    void start(TokenOutcome outcome) {
        if (!hasBody) {
            request.resume(); // nothing to stream: let Vert.x see the request's end
        }
        await(outcome);
    }

    private void await(TokenOutcome outcome) {
        if (outcome.kind() == Take.Kind.CACHED) {
            forward(outcome.cached());
            return;
        }
        // A refusal (no right, no Metadata) fails at once, on this thread; a wait comes back on the caller's loop.
        outcome.pending().subscribe().with(
                token -> context.runOnContext(v -> forward(token)),
                failure -> context.runOnContext(v -> route.noToken(request, failure, started)));
    }

    private void forward(AccessToken token) {
        HttpServerResponse response = request.response();
        if (response.closed() || response.ended()) {
            return; // the caller left while the token was on its way
        }
        RequestOptions options = new RequestOptions().setMethod(request.method()).setURI(target)
                .setHost(route.route.host()).setPort(route.route.upstreamPort()).setSsl(route.route.tls())
                .setFollowRedirects(false).setIdleTimeout(route.route.timeout().toMillis());
        route.client.request(options).onComplete(created -> {
            if (created.failed()) {
                route.unreachable(request, created.cause(), started);
                return;
            }
            HttpClientRequest upstream = created.result();
            send(upstream, token);
            upstream.response().onComplete(answered -> {
                if (answered.failed()) {
                    upstream.reset();
                    route.unreachable(request, answered.cause(), started);
                } else {
                    answer(answered.result(), token);
                }
            });
        });
    }

    private void send(HttpClientRequest upstream, AccessToken token) {
        MultiMap headers = upstream.headers();
        ForwardedHeaders.toUpstream(request.headers(), headers, route.route.requireMetadata());
        headers.set(HttpHeaders.HOST, route.route.hostHeader());
        if (route.bound == null) {
            headers.set(HttpHeaders.AUTHORIZATION, route.bearer(token));
        } else if (!route.bound.set(route, request, upstream, target, token, started)) {
            return;
        }
        // The caller leaving ends the upstream exchange: its connection is not kept for an answer no one reads.
        HttpServerResponse response = request.response();
        response.closeHandler(v -> {
            if (!response.ended()) {
                upstream.reset();
            }
        });
        if (!hasBody) {
            upstream.end();
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            headers.set(HttpHeaders.CONTENT_LENGTH, length.strip());
        } else {
            upstream.setChunked(true);
        }
        // endOnFailure(false): a body cut short by the caller must reach the upstream as a reset, not as a clean end.
        request.pipe().endOnFailure(false).to(upstream).onFailure(e -> upstream.reset());
    }

    private void answer(HttpClientResponse answer, AccessToken token) {
        // A reset (the caller left, a retry) fails the answer: expected, and not worth Vert.x's ERROR line.
        answer.exceptionHandler(e -> { });
        if (route.bound != null && route.bound.nonceChallenge(answer) && mayRetry()) {
            // RFC 9449 §9: the upstream wants its nonce in the proof; one retry, with the same token and a new proof.
            retried = true;
            answer.request().reset();
            forward(token);
            return;
        }
        if (answer.statusCode() == 401 && mayRetry() && challengesToken(answer)) {
            TokenOutcome outcome = route.token(request, true);
            boolean sameToken = outcome.kind() == Take.Kind.CACHED && outcome.cached().value().equals(token.value());
            if (outcome.kind() != Take.Kind.REFUSED && !sameToken) {
                retried = true;
                route.meters.retried();
                answer.request().reset(); // the 401's body is not wanted; the connection goes rather than drain it
                await(outcome);
                return;
            }
            // No new token now (the refresh rate limit, the IdP down): the upstream's own 401 is the answer.
        }
        HttpServerResponse response = request.response();
        response.setStatusCode(answer.statusCode());
        if (answer.statusMessage() != null) {
            response.setStatusMessage(answer.statusMessage());
        }
        ForwardedHeaders.toCaller(answer.headers(), response.headers());
        String length = answer.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, length);
            if (small(length)) {
                // A small answer of known length leaves in one write, head and body together (a pipe writes the
                // head with the first chunk, then the end: two writes, two system calls). Memory stays bounded:
                // at most SMALL_BODY bytes per exchange.
                answer.body().onComplete(body -> {
                    if (body.succeeded()) {
                        response.end(body.result());
                        route.meters.answered(answer.statusCode(), System.nanoTime() - started);
                    } else {
                        // Nothing of the answer has left yet: the caller gets the broker's 502 (or 504), not a cut.
                        answer.request().reset();
                        route.refuse(request, ErrorPolicy.upstreamCut(route.route.name(), route.route.timeout(), body.cause()),
                                started);
                    }
                });
                return;
            }
        } else if (carriesBody(answer.statusCode()) && request.version() == HttpVersion.HTTP_1_1) {
            response.setChunked(true);
        }
        answer.pipe().endOnFailure(false).to(response).onComplete(piped -> {
            if (piped.succeeded()) {
                route.meters.answered(answer.statusCode(), System.nanoTime() - started);
            } else {
                interrupted(answer, response);
            }
        });
    }

    /** Either side failed mid-body: end both, so that the caller sees a cut answer, not a short complete one. */
    private void interrupted(HttpClientResponse answer, HttpServerResponse response) {
        answer.request().reset();
        if (!response.closed()) {
            request.connection().close();
        }
        route.meters.refused("upstream_interrupted", System.nanoTime() - started);
    }

    /** Whether a {@code Content-Length} (as the upstream's codec accepted it: digits) is at most {@link #SMALL_BODY}. */
    private static boolean small(String length) {
        int n = length.length();
        if (n == 0 || n > 5) {
            return false;
        }
        int value = 0;
        for (int i = 0; i < n; i++) {
            char c = length.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return value <= SMALL_BODY;
    }

    private boolean mayRetry() {
        HttpMethod method = request.method();
        return !retried && !hasBody && (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
    }

    private static boolean challengesToken(HttpClientResponse answer) {
        for (String challenge : answer.headers().getAll("WWW-Authenticate")) {
            if (INVALID_TOKEN.matcher(challenge).find()) {
                return true;
            }
        }
        return false;
    }

    private boolean carriesBody(int status) {
        return request.method() != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
    }
}
