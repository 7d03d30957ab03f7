package tokenbroker.door;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.InstantSource;
import tokenbroker.binding.Presentation;
import tokenbroker.binding.StaleBindingException;
import tokenbroker.binding.TokenPresenter;
import tokenbroker.cache.Take;
import tokenbroker.config.ResourceSpec;
import tokenbroker.token.AccessToken;
import tokenbroker.token.TokenBinding;

/**
 * The token doors as Vert.x routes, the one HTTP layer that serves tokens: the native, App Service and IMDS doors,
 * and the proofs door for callers that call an upstream themselves with a sender-constrained token. Each request is
 * parsed once ({@link TokenRequests}, {@link ProofRequest}), decided once ({@link TokenService}: the same rules on
 * every door) and answered once, a token by the door's renderer (a proof by {@link TokenPresenter}) and a failure by
 * {@link ErrorWriter}. {@link tokenbroker.api.HttpGuards} has run before (order -1000): method, body,
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
    private final TokenPresenter presenter;
    private final InstantSource clock;
    /** The three bearer doors' writer, made once: a method reference made per request would be an allocation. */
    private final Writer tokenWriter = this::write;

    /** Writes the answer of a served token; on the request's event loop. */
    @FunctionalInterface
    private interface Writer {
        void write(HttpServerResponse response, TokenRequest request, TokenOutcome outcome, AccessToken token);
    }

    TokenDoors(TokenService tokens, TokenRenderer renderer, TokenPresenter presenter, InstantSource clock) {
        this.tokens = tokens;
        this.renderer = renderer;
        this.presenter = presenter;
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
        router.get("/v1/proofs/:resource").order(-900).handler(ctx -> {
            ProofRequest proof = ProofRequest.parse(ctx.request(), ctx.pathParam("resource"));
            answer(ctx, proof.token(), (response, request, outcome, token) -> writeProof(response, proof, outcome, token));
        });
    }

    private void answer(RoutingContext ctx, TokenRequest request) {
        answer(ctx, request, tokenWriter);
    }

    private void answer(RoutingContext ctx, TokenRequest request, Writer writer) {
        TokenOutcome outcome = tokens.decide(request);
        HttpServerResponse response = ctx.response();
        if (outcome.kind() == Take.Kind.CACHED) {
            writer.write(response, request, outcome, outcome.cached());
            return;
        }
        // Not the hot path: answer on the request's own event loop, whichever thread completes the IdP request.
        Context context = Vertx.currentContext();
        outcome.pending().subscribe().with(
                token -> context.runOnContext(v -> writer.write(response, request, outcome, token)),
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
            case PROOF -> throw new IllegalStateException("the proofs door has its own writer (writeProof)");
            case PROXY -> throw new IllegalStateException("a proxy route never hands out its token");
        };
        response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Buffer.buffer(body));
    }

    /**
     * The proofs door's answer, new for each request (a proof is for one request):
     * <pre>{@code
     * {"access_token": "...", "token_type": "DPoP", "dpop": "<proof for htm and htu>", "expires_in": 29, "expires_on": ...,
     *  "resource": "api", "scope": "...", "cnf": {"jkt": "..."}}
     * }</pre>
     * For a certificate-bound token: {@code token_type} Bearer (RFC 8705 keeps it), no proof, {@code cnf.x5t#S256}: it
     * works only with the broker's certificate in the TLS handshake.
     */
    private void writeProof(HttpServerResponse response, ProofRequest request, TokenOutcome outcome, AccessToken token) {
        if (response.ended() || response.closed()) {
            return;
        }
        ResourceSpec resource = outcome.slot().resource();
        Presentation presentation;
        try {
            presentation = presenter.present(resource, token, request.method(), request.url(), request.nonce());
        } catch (StaleBindingException e) {
            fail(response, Door.PROOF, e);
            return;
        }
        long now = clock.millis() / 1000;
        boolean dpop = resource.identity().binding() == TokenBinding.DPOP;
        JsonObject body = new JsonObject()
                .put("access_token", token.value())
                .put("token_type", dpop ? "DPoP" : "Bearer")
                .put("expires_in", Math.max(0, token.expiresAt().getEpochSecond() - now))
                .put("expires_on", token.expiresAt().getEpochSecond())
                .put("resource", resource.name())
                .put("scope", token.scope() != null ? token.scope() : resource.scope())
                .put("cnf", new JsonObject().put(dpop ? "jkt" : "x5t#S256", token.boundTo()));
        if (dpop) {
            body.put("dpop", presentation.headers().get("DPoP"));
        }
        response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toBuffer());
    }

    private static void fail(HttpServerResponse response, Door door, Throwable failure) {
        if (!response.closed()) {
            ErrorWriter.write(response, door, ErrorPolicy.answer(door, failure));
        }
    }
}
