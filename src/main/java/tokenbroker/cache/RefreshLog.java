package tokenbroker.cache;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import tokenbroker.config.ResourceSpec;
import tokenbroker.idp.AcquireFailure;
import tokenbroker.token.AccessToken;

/** One log line per refresh (SPEC §6): resource, outcome, expiry, duration. Never the token. */
@ApplicationScoped
public class RefreshLog implements RefreshListener {

    @Override
    public void refreshed(ResourceSpec resource, AccessToken token, AcquireFailure failure, Duration took, Instant retryAt) {
        if (failure == null) {
            Log.infof("refresh: resource=%s identity=%s outcome=ok expires_at=%s duration_ms=%d", resource.name(),
                    resource.identity().name(), token.expiresAt(), took.toMillis());
        } else {
            Log.warnf("refresh: resource=%s identity=%s outcome=%s duration_ms=%d retry_at=%s error=\"%s\"", resource.name(),
                    resource.identity().name(), failure.kind(), took.toMillis(), retryAt, failure.describe());
        }
    }
}
