package tokenbroker.cache;

import io.quarkus.arc.All;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.ResourceSpec;
import tokenbroker.idp.IdentityProvider;
import tokenbroker.token.Backoff;
import tokenbroker.token.RefreshPolicy;

/**
 * Every configured resource's {@link TokenSlot}, made once at start-up. Every token is requested as soon as the
 * broker starts (SPEC §4), so that readiness turns UP without waiting for a first caller.
 */
@Startup
@ApplicationScoped
public class TokenCache {

    /** Written once in the constructor. */
    private final Map<String, TokenSlot> slots;

    TokenCache(BrokerSetup setup, IdentityProvider idp, InstantSource clock, @All List<RefreshListener> listeners) {
        RefreshPolicy policy = new RefreshPolicy(setup.minServeTtl(), RefreshPolicy.DEFAULT_JITTER);
        Backoff backoff = new Backoff(setup.backoffInitial(), setup.backoffMax());
        List<RefreshListener> all = List.copyOf(listeners);
        RefreshListener listener = (resource, token, failure, took, retryAt) -> {
            for (RefreshListener l : all) {
                l.refreshed(resource, token, failure, took, retryAt);
            }
        };
        Map<String, TokenSlot> built = new LinkedHashMap<>();
        for (ResourceSpec resource : setup.resources().values()) {
            built.put(resource.name(), new TokenSlot(resource, idp, clock, policy, backoff, setup.forceInterval(),
                    () -> ThreadLocalRandom.current().nextDouble(), listener, Infrastructure.getDefaultWorkerPool()));
        }
        this.slots = Collections.unmodifiableMap(built);
        built.values().forEach(TokenSlot::refreshIfDue);
    }

    /** The slot of {@code resource}, or {@code null} when no such resource is configured. */
    public TokenSlot slot(String resource) {
        return slots.get(resource);
    }

    public Collection<TokenSlot> slots() {
        return slots.values();
    }
}
