package tokenbroker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One proxy route's meters, labelled by the route's name and fixed words only (never a path, a caller or a header):
 * <ul>
 *   <li>{@code broker_proxy_requests_total{route,status}}: answers by the upstream's status class ({@code 2xx} ...
 *       {@code 5xx}), or {@code refused} for the broker's own refusals;</li>
 *   <li>{@code broker_proxy_refusals_total{route,error}}: the broker's refusals by error code (a fixed set);</li>
 *   <li>{@code broker_proxy_request_seconds{route}} (histogram): from the request to the end of the answer;</li>
 *   <li>{@code broker_proxy_retries_total{route}}: requests retried with a new token after an upstream 401.</li>
 * </ul>
 * The status-class counters and the timer are made at start-up: the forwarding path costs an increment.
 */
public final class RouteMeters {

    private static final String[] CLASSES = { "1xx", "2xx", "3xx", "4xx", "5xx" };

    private final String route;
    private final MeterRegistry registry;
    private final Counter[] byClass = new Counter[CLASSES.length];
    private final Counter refused;
    private final Counter retries;
    private final Timer latency;
    /** Error codes are a fixed, small set (see tokenbroker.proxy.Refusal): made on first use. */
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

    RouteMeters(MeterRegistry registry, String route) {
        this.route = route;
        this.registry = registry;
        for (int i = 0; i < CLASSES.length; i++) {
            byClass[i] = requests(CLASSES[i]);
        }
        refused = requests("refused");
        retries = Counter.builder("broker.proxy.retries").description("Requests retried with a new token after an upstream 401")
                .tags("route", route).register(registry);
        latency = Timer.builder("broker.proxy.request").description("Proxied requests, from the request to the end of the answer")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .tags("route", route).register(registry);
    }

    private Counter requests(String status) {
        return Counter.builder("broker.proxy.requests").description("Proxied requests, by the upstream's status class")
                .tags("route", route, "status", status).register(registry);
    }

    /** An answer of the upstream passed on, {@code nanos} after the request arrived. */
    public void answered(int status, long nanos) {
        int index = status / 100 - 1;
        if (index >= 0 && index < byClass.length) {
            byClass[index].increment();
        }
        latency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** One of the broker's own refusals, by its error code. */
    public void refused(String error, long nanos) {
        refused.increment();
        refusals.computeIfAbsent(error, e -> Counter.builder("broker.proxy.refusals").description("The broker's own refusals on routes")
                .tags("route", route, "error", e).register(registry)).increment();
        latency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void retried() {
        retries.increment();
    }
}
