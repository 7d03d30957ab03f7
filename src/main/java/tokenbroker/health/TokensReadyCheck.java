package tokenbroker.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
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
        ReadyReport report = ReadyReport.named("tokens");
        for (TokenSlot slot : cache.slots()) {
            ResourceStatus status = slot.status();
            String name = status.resource().name();
            report.entry(name, status.state(), status.resource().required(), status.servable());
            if (status.expiresAt() != null) {
                report.detail(name, "expires_on", status.expiresAt().getEpochSecond());
            }
            report.detail(name, "last_error", status.lastFailure() != null ? status.lastFailure().describe() : null);
        }
        return report.build();
    }
}
