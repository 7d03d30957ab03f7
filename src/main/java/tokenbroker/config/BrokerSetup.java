package tokenbroker.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The broker's configuration once checked: every identity, resource and caller is complete and consistent. Made
 * once at start-up by {@link BrokerSetupFactory}; the maps keep the configured order.
 */
public record BrokerSetup(
        Map<String, IdentitySpec> identities,
        Map<String, ResourceSpec> resources,
        List<CallerSpec> callers,
        Duration minServeTtl,
        Duration backoffInitial,
        Duration backoffMax,
        Duration forceInterval,
        Duration idpConnectTimeout,
        Duration idpTimeout,
        List<RouteSpec> routes,
        List<FileSpec> files) {
}
