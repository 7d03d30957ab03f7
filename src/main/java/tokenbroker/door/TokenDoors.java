package tokenbroker.door;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.InstantSource;
import tokenbroker.cache.Take;
import tokenbroker.token.AccessToken;

/**
 * The three token doors as Vert.x routes, the one HTTP layer that serves tokens: each request is parsed once
 * ({@link TokenRequests}), decided once ({@link TokenService}) and answered once, a token by the door's renderer and
 * a failure by {@link ErrorWriter}. {@link tokenbroker.api.HttpGuards} has run before (order -1000): method, body,
 * proxy and {@code Host} checks, {@code no-store}, {@code //metadata} folded.
 *
 * <p>Vert.x routes rather than JAX-RS because JAX-RS' per-request machinery (parameter injection, content
 * negotiation, response building) cost more than the token lookup itself (BENCHMARKS.md); {@code /v1/resources}
 * stays on Quarkus REST.
 */
@ApplicationScoped
public class TokenDoors {

    private final TokenService tokens;
    private final TokenRenderer renderer;
    private final InstantSource clock;

    TokenDoors(TokenService tokens, TokenRenderer renderer, InstantSource clock) {
        this.tokens = tokens;
        this.renderer = renderer;
        this.clock = clock;
    }

    void install(@Observes Router router) {
        router.get("/v1/tokens/:resource").order(-900).handler(ctx -> answer(ctx,
                TokenRequests.nativeApi(ctx.request(), ctx.pathParam("resource"))));
        for (String path : new String[] { "/msi/token", "/msi/token/" }) {
            router.get(path).order(-900).handler(ctx -> answer(ctx, TokenRequests.appService(ctx.request())));
        }
        for (String path : new String[] { "/metadata/identity/oauth2/token", "/metadata/identity/oauth2/token/" }) {
            router.get(path).order(-900).handler(ctx -> answer(ctx, TokenRequests.imds(ctx.request())));
        }
    }

    private void answer(RoutingContext ctx, TokenRequest request) {
        TokenOutcome outcome = tokens.decide(request);
        HttpServerResponse response = ctx.response();
        if (outcome.kind() == Take.Kind.CACHED) {
            write(response, request, outcome, outcome.cached());
            return;
        }
        // Not the hot path: answer on the request's own event loop, whichever thread completes the IdP request.
        Context context = Vertx.currentContext();
        outcome.pending().subscribe().with(
                token -> context.runOnContext(v -> write(response, request, outcome, token)),
                failure -> context.runOnContext(v -> fail(response, request.door(), failure)));
    }

    private void write(HttpServerResponse response, TokenRequest request, TokenOutcome outcome, AccessToken token) {
        if (response.ended() || response.closed()) {
            return; // the caller went away while waiting
        }
        if (request.plainText()) {
            response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end(token.value());
            return;
        }
        var resource = outcome.slot().resource();
        byte[] body = switch (request.door()) {
            case NATIVE -> renderer.nativeJson(token, resource, clock.millis());
            case MSI -> renderer.managedIdentityJson(token, resource, request.resource(), clock.millis());
            case IMDS -> renderer.imdsJson(token, resource, request.resource(), clock.millis());
            case PROOF -> throw new IllegalStateException("the proofs door renders its own answers (ProofDoor)");
            case PROXY -> throw new IllegalStateException("a proxy route never hands out its token");
        };
        response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Buffer.buffer(body));
    }

    private static void fail(HttpServerResponse response, Door door, Throwable failure) {
        if (!response.closed()) {
            ErrorWriter.write(response, door, ErrorPolicy.answer(door, failure));
        }
    }
}
