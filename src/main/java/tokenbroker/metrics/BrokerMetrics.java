package tokenbroker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tokenbroker.cache.RefreshListener;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.ResourceSpec;
import tokenbroker.idp.AcquireFailure;
import tokenbroker.token.AccessToken;

/**
 * Every meter of the broker (SPEC §6), labelled only by configured names and fixed words, never by a caller, a
 * client address or a token. The counters of the token paths are made once per resource at start-up, so that
 * serving a token costs one map lookup and one increment.
 *
 * <ul>
 *   <li>{@code broker_token_requests_total{resource,endpoint,outcome}}: outcome {@code hit} (cached),
 *       {@code waited} (waited for the IdP), {@code error}</li>
 *   <li>{@code broker_idp_requests_total{identity,resource,outcome}}: outcome {@code ok}, {@code rejected},
 *       {@code unreachable}, {@code malformed}</li>
 *   <li>{@code broker_idp_request_seconds} (histogram), {@code broker_token_expires_in_seconds{resource}},
 *       {@code broker_refresh_failures_total{resource,reason}}</li>
 *   <li>{@code broker_token_file_write_failures_total{file,resource}}: failed writes and removals of token files</li>
 * </ul>
 */
@ApplicationScoped
public class BrokerMetrics implements RefreshListener {

    /** The endpoints that serve tokens, as the {@code endpoint} label names them. */
    public enum Endpoint {
        NATIVE, MSI, IMDS, PROOF, PROXY;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The label used for requests that name no configured resource. Resource names cannot contain parentheses. */
    static final String UNKNOWN_RESOURCE = "(unknown)";

    private record ServeCounters(Counter hit, Counter waited, Counter error) {
    }

    private final MeterRegistry registry;
    /** Written once in the constructor, by resource and then endpoint. */
    private final Map<String, ServeCounters[]> served = new HashMap<>();
    /** Made on first use; outcome words and reasons are a fixed, small set. */
    private final Map<String, Counter> lazyCounters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    /** Written once in the constructor. */
    private final Map<String, RouteMeters> routes = new HashMap<>();

    BrokerMetrics(MeterRegistry registry, BrokerSetup setup) {
        this.registry = registry;
        for (String resource : setup.resources().keySet()) {
            served.put(resource, counters(resource));
        }
        served.put(UNKNOWN_RESOURCE, counters(UNKNOWN_RESOURCE));
        setup.routes().forEach(route -> routes.put(route.name(), new RouteMeters(registry, route.name())));
    }

    /** The meters of a configured proxy route. */
    public RouteMeters route(String name) {
        return routes.get(name);
    }

    private ServeCounters[] counters(String resource) {
        ServeCounters[] byEndpoint = new ServeCounters[Endpoint.values().length];
        for (Endpoint endpoint : Endpoint.values()) {
            byEndpoint[endpoint.ordinal()] = new ServeCounters(served(resource, endpoint, "hit"),
                    served(resource, endpoint, "waited"), served(resource, endpoint, "error"));
        }
        return byEndpoint;
    }

    private Counter served(String resource, Endpoint endpoint, String outcome) {
        return Counter.builder("broker.token.requests").description("Token requests answered, by outcome")
                .tags("resource", resource, "endpoint", endpoint.label, "outcome", outcome).register(registry);
    }

    /** Registers the expiry gauge of every slot, once the cache exists. */
    void watch(@Observes StartupEvent started, TokenCache cache, InstantSource clock) {
        for (TokenSlot slot : cache.slots()) {
            Gauge.builder("broker.token.expires.in", slot, s -> secondsLeft(s, clock.instant()))
                    .description("Seconds until the cached token expires; 0 when there is none")
                    .baseUnit("seconds").tags("resource", slot.resource().name()).register(registry);
        }
    }

    private static double secondsLeft(TokenSlot slot, Instant now) {
        Instant expiresAt = slot.status().expiresAt();
        return expiresAt == null ? 0 : Math.max(0, Duration.between(now, expiresAt).toMillis() / 1000.0);
    }

    public void hit(String resource, Endpoint endpoint) {
        countersOf(resource, endpoint).hit().increment();
    }

    public void waited(String resource, Endpoint endpoint) {
        countersOf(resource, endpoint).waited().increment();
    }

    /** An answer other than a token; {@code resource} may be anything a caller sent. */
    public void error(String resource, Endpoint endpoint) {
        countersOf(resource, endpoint).error().increment();
    }

    private ServeCounters countersOf(String resource, Endpoint endpoint) {
        ServeCounters[] byEndpoint = resource == null ? null : served.get(resource);
        return (byEndpoint != null ? byEndpoint : served.get(UNKNOWN_RESOURCE))[endpoint.ordinal()];
    }

    /** A token file could not be written or removed; {@code file} is its configured name. */
    public void fileWriteFailed(String file, String resource) {
        lazyCounters.computeIfAbsent("file|" + file, k -> Counter.builder("broker.token.file.write.failures")
                .description("Failed writes and removals of token files")
                .tags("file", file, "resource", resource).register(registry)).increment();
    }

    @Override
    public void refreshed(ResourceSpec resource, AccessToken token, AcquireFailure failure, Duration took, Instant retryAt) {
        String outcome = failure == null ? "ok" : failure.kind();
        String identity = resource.identity().name();
        lazyCounters.computeIfAbsent("idp|" + resource.name() + "|" + outcome, k -> Counter.builder("broker.idp.requests")
                .description("Token requests sent to identity providers, by outcome")
                .tags("identity", identity, "resource", resource.name(), "outcome", outcome).register(registry)).increment();
        timers.computeIfAbsent(resource.name(), k -> Timer.builder("broker.idp.request")
                .description("Duration of token requests to identity providers").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(5)).maximumExpectedValue(Duration.ofSeconds(30))
                .tags("identity", identity, "resource", resource.name()).register(registry)).record(took);
        if (failure != null) {
            lazyCounters.computeIfAbsent("fail|" + resource.name() + "|" + outcome, k -> Counter.builder("broker.refresh.failures")
                    .description("Failed token refreshes, by reason")
                    .tags("resource", resource.name(), "reason", outcome).register(registry)).increment();
        }
    }
}
