package tokenbroker.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;
import tokenbroker.cache.ResourceStatus;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;

/**
 * Readiness and start-up: UP only while every required resource holds a token that can be served now. Reads the
 * cache only, never the network. The data gives each resource's state and expiry, and its last error; never a
 * token. Liveness has no check of ours: an IdP outage must not restart the pod.
 */
@Readiness
@Startup
@ApplicationScoped
public class TokensReadyCheck implements HealthCheck {

    private final TokenCache cache;

    TokensReadyCheck(TokenCache cache) {
        this.cache = cache;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("tokens");
        boolean up = true;
        for (TokenSlot slot : cache.slots()) {
            ResourceStatus status = slot.status();
            String name = status.resource().name();
            up &= status.servable() || !status.resource().required();
            response.withData(name, status.state() + (status.resource().required() ? "" : " (optional)"));
            if (status.expiresAt() != null) {
                response.withData(name + ".expires_on", status.expiresAt().getEpochSecond());
            }
            if (status.lastFailure() != null) {
                response.withData(name + ".last_error", status.lastFailure().describe());
            }
        }
        return response.status(up).build();
    }
}
