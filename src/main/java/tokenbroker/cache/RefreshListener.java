package tokenbroker.cache;

import java.time.Duration;
import java.time.Instant;
import tokenbroker.config.ResourceSpec;
import tokenbroker.idp.AcquireFailure;
import tokenbroker.token.AccessToken;

/** Told of every completed IdP request: the refresh log line, and metrics. */
public interface RefreshListener {

    /**
     * @param token the new token, or {@code null} on failure
     * @param failure why it failed, or {@code null} on success
     * @param took how long the request took
     * @param retryAt when the next request may start after a failure, or {@code null}
     */
    void refreshed(ResourceSpec resource, AccessToken token, AcquireFailure failure, Duration took, Instant retryAt);
}
