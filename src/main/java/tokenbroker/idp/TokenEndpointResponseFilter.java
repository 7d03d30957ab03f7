package tokenbroker.idp;

import io.quarkus.arc.Unremovable;
import io.quarkus.oidc.common.OidcEndpoint;
import io.quarkus.oidc.common.OidcResponseFilter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.InstantSource;

/**
 * Fails a token request whose answer is not 200 with an {@link IdpException} that keeps the HTTP status and
 * {@code Retry-After}. quarkus-oidc-client would otherwise fail it with an {@code OidcClientException} holding
 * only the raw body, and the broker could not tell a throttled IdP from a revoked secret.
 */
@ApplicationScoped
@Unremovable
@OidcEndpoint(OidcEndpoint.Type.TOKEN)
public class TokenEndpointResponseFilter implements OidcResponseFilter {

    private final InstantSource clock;
    private final DpopNonces nonces;

    TokenEndpointResponseFilter(InstantSource clock, DpopNonces nonces) {
        this.clock = clock;
        this.nonces = nonces;
    }

    @Override
    public Uni<Void> filter(OidcResponseFilterContext context) {
        if (context.responseHeaders() != null && context.responseHeaders().get("DPoP-Nonce") != null) {
            // RFC 9449 §8: the server's nonce for the next proof, sent with a use_dpop_nonce error or with a token.
            nonces.put(context.requestProperties().getString(DpopTokenRequestFilter.CLIENT_ID), context.responseHeaders().get("DPoP-Nonce"));
        }
        if (context.statusCode() == 200) {
            return Uni.createFrom().voidItem();
        }
        String retryAfter = context.responseHeaders() == null ? null : context.responseHeaders().get("Retry-After");
        String body = context.responseBody() == null ? null : context.responseBody().toString();
        return Uni.createFrom().failure(new IdpException(
                IdpErrorClassifier.classify(context.statusCode(), retryAfter, body, clock.instant())));
    }
}
