package tokenbroker.cache;

import java.time.Instant;
import tokenbroker.config.ResourceSpec;
import tokenbroker.idp.AcquireFailure;

/**
 * What can be said of a resource without showing its token.
 *
 * @param state {@code fresh}, {@code refreshing}, {@code failing} or {@code empty} (SPEC §3.1)
 * @param servable whether a token can be served now
 * @param retryAt when the next IdP request may start after a failure, or {@code null}
 */
public record ResourceStatus(ResourceSpec resource, String state, boolean servable, Instant expiresAt, Instant lastRefresh,
        AcquireFailure lastFailure, int failures, Instant retryAt) {
}
