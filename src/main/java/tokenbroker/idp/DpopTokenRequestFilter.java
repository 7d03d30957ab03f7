package tokenbroker.idp;

import io.quarkus.arc.Unremovable;
import io.quarkus.oidc.common.OidcEndpoint;
import io.quarkus.oidc.common.OidcRequestFilter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.InstantSource;
import tokenbroker.binding.DpopKey;
import tokenbroker.binding.DpopKeys;
import tokenbroker.binding.DpopProofs;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.ResourceSpec;

/**
 * Adds a fresh DPoP proof ({@code htm=POST}, {@code htu} the token URL, the endpoint's latest nonce) to every send of a
 * token request of a DPoP identity, resends included: a proof's {@code jti} is used once. quarkus-oidc-client has no
 * DPoP support of its own for the client credentials grant; its filters see which client sends (context property
 * {@code client-id}, our {@code token-broker-<resource>}).
 */
@ApplicationScoped
@Unremovable
@OidcEndpoint(OidcEndpoint.Type.TOKEN)
public class DpopTokenRequestFilter implements OidcRequestFilter {

    static final String CLIENT_ID = "client-id";
    static final String PREFIX = "token-broker-";

    private final BrokerSetup setup;
    private final DpopKeys keys;
    private final DpopNonces nonces;
    private final InstantSource clock;

    DpopTokenRequestFilter(BrokerSetup setup, DpopKeys keys, DpopNonces nonces, InstantSource clock) {
        this.setup = setup;
        this.keys = keys;
        this.nonces = nonces;
        this.clock = clock;
    }

    @Override
    public Uni<Void> filter(OidcRequestFilterContext context) {
        return Uni.createFrom().deferred(() -> {
            String clientId = context.contextProperties().getString(CLIENT_ID);
            ResourceSpec resource = clientId != null && clientId.startsWith(PREFIX)
                    ? setup.resources().get(clientId.substring(PREFIX.length())) : null;
            DpopKey key = resource == null ? null : keys.of(resource.identity());
            if (key != null) {
                String proof = DpopProofs.proof(key, "POST", URI.create(resource.identity().tokenUrl()), null, nonces.get(clientId),
                        clock.instant());
                context.request().putHeader("DPoP", proof);
            }
            return Uni.createFrom().voidItem();
        });
    }
}
