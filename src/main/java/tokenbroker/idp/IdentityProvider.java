package tokenbroker.idp;

import io.smallrye.mutiny.Uni;
import tokenbroker.config.ResourceSpec;
import tokenbroker.token.AccessToken;

/**
 * Something that obtains a new access token for a resource from its identity provider.
 *
 * <p>Each subscription makes one request; callers coalesce. The returned {@code Uni} fails only with
 * {@link IdpException}, and fails within the configured exchange deadline: an implementation must never hang.
 */
public interface IdentityProvider {

    Uni<AccessToken> acquire(ResourceSpec resource);
}
