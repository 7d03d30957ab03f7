package tokenbroker.idp;

import io.quarkus.arc.Unremovable;
import io.quarkus.oidc.common.OidcEndpoint;
import io.quarkus.oidc.common.OidcRequestFilter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import tokenbroker.config.BrokerSetup;

/**
 * Runs before every send of a token request by quarkus-oidc-client, its own retries included, and keeps three
 * promises that the library cannot be configured to keep (TRAPS.md, "A deadline is not an abort"):
 * <ul>
 * <li>the HTTP request itself ends at the deadline ({@code broker.idp.timeout}): Vert.x resets it and closes its
 *     connection, so that a black-holed exchange cannot hold a pooled connection after the broker gave up on it;</li>
 * <li>{@code Connection: close}: no connection outlives its exchange. The client's pool has no idle timeout and no
 *     TCP keep-alive, so a connection kept between refreshes (minutes apart) could have lost its NAT or load
 *     balancer flow and swallow the next request; a new connection per refresh costs one handshake every few
 *     minutes;</li>
 * <li>a client assertion is never sent twice: the library resends the same encoded form once when a connection is
 *     reset ({@code connectionRetryCount} cannot be 0), and an IdP accepts each {@code jti} once. Such a resend is
 *     refused here; the exchange fails as unreachable and the broker's backoff retries with a new assertion.</li>
 * </ul>
 * Hand-written because quarkus-oidc-client exposes neither a request timeout, nor pool options, nor a way to sign
 * a new assertion per send.
 */
@ApplicationScoped
@Unremovable
@OidcEndpoint(OidcEndpoint.Type.TOKEN)
public class TokenRequestGuard implements OidcRequestFilter {

    private static final String SENDS = "token-broker.sends";

    private final long timeoutMillis;

    TokenRequestGuard(BrokerSetup setup) {
        this.timeoutMillis = setup.idpTimeout().toMillis();
    }

    @Override
    public Uni<Void> filter(OidcRequestFilterContext context) {
        // Deferred: the library builds this Uni once and subscribes to it again for each resend.
        return Uni.createFrom().deferred(() -> {
            Integer before = context.contextProperties().get(SENDS);
            int sends = before == null ? 1 : before + 1;
            context.contextProperties().put(SENDS, sends);
            if (sends > 1 && carriesAssertion(context)) {
                return Uni.createFrom().failure(new IdpException(new AcquireFailure.Unreachable(
                        "the connection was reset during the token request; its client assertion is not sent again")));
            }
            context.request().timeout(timeoutMillis).putHeader("Connection", "close");
            return Uni.createFrom().voidItem();
        });
    }

    private static boolean carriesAssertion(OidcRequestContext context) {
        return context.requestBody() != null && context.requestBody().toString().contains("client_assertion=");
    }
}
