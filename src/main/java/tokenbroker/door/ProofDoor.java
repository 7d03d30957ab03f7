package tokenbroker.door;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
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
import tokenbroker.config.ResourceSpec;
import tokenbroker.token.AccessToken;
import tokenbroker.token.TokenBinding;

/**
 * The proofs door, for callers that call an upstream themselves with a sender-constrained token: parsed once
 * ({@link ProofRequest}), decided once ({@link TokenService}, the same rules as {@code /v1/tokens}: guard header,
 * caller secret, the caller's right to the resource), presented by {@link TokenPresenter} and answered once:
 * <pre>{@code
 * {"access_token": "...", "token_type": "DPoP", "dpop": "<proof for htm and htu>", "expires_in": 29, "expires_on": ...,
 *  "resource": "api", "scope": "...", "cnf": {"jkt": "..."}}
 * }</pre>
 * For a certificate-bound token: {@code token_type} Bearer (RFC 8705 keeps it), no proof, {@code cnf.x5t#S256}: it
 * works only with the broker's certificate in the TLS handshake. Each answer is new (a proof is for one request).
 */
@ApplicationScoped
public class ProofDoor {

    private final TokenService tokens;
    private final TokenPresenter presenter;
    private final InstantSource clock;

    ProofDoor(TokenService tokens, TokenPresenter presenter, InstantSource clock) {
        this.tokens = tokens;
        this.presenter = presenter;
        this.clock = clock;
    }

    void install(@Observes Router router) {
        router.get("/v1/proofs/:resource").order(-900).handler(this::answer);
    }

    private void answer(RoutingContext ctx) {
        ProofRequest request = ProofRequest.parse(ctx.request(), ctx.pathParam("resource"));
        TokenOutcome outcome = tokens.decide(request.token());
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        outcome.token().subscribe().with(
                token -> context.runOnContext(v -> write(response, request, outcome.slot().resource(), token)),
                failure -> context.runOnContext(v -> fail(response, failure)));
    }

    private void write(HttpServerResponse response, ProofRequest request, ResourceSpec resource, AccessToken token) {
        if (response.ended() || response.closed()) {
            return;
        }
        Presentation presentation;
        try {
            presentation = presenter.present(resource, token, request.method(), request.url(), request.nonce());
        } catch (StaleBindingException e) {
            fail(response, e);
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

    private static void fail(HttpServerResponse response, Throwable failure) {
        if (!response.closed()) {
            ErrorWriter.write(response, Door.PROOF, ErrorPolicy.answer(Door.PROOF, failure));
        }
    }
}
