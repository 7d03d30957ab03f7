package tokenbroker.api;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import tokenbroker.cache.Take;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.CallerSpec;
import tokenbroker.metrics.BrokerMetrics;
import tokenbroker.metrics.BrokerMetrics.Endpoint;
import tokenbroker.token.AccessToken;

/**
 * The native token API (SPEC §3.1): {@code GET /v1/tokens/{resource}}. Runs on the event loop: a cached token
 * is answered without blocking and without touching the IdP.
 */
@Path("/v1/tokens")
public class TokenResource {

    static final long MAX_MIN_TTL_SECONDS = 86_400;

    private final ResourceGate gate;
    private final InstantSource clock;
    private final BrokerMetrics metrics;
    private final TokenRenderer renderer;

    TokenResource(ResourceGate gate, InstantSource clock, BrokerMetrics metrics, TokenRenderer renderer) {
        this.renderer = renderer;
        this.gate = gate;
        this.clock = clock;
        this.metrics = metrics;
    }

    @GET
    @Path("{resource}")
    public Uni<Response> token(@PathParam("resource") String resource, @HeaderParam("Metadata") String metadata,
            @HeaderParam("X-IDENTITY-HEADER") String callerSecret, @QueryParam("min_ttl") List<String> minTtl,
            @QueryParam("force_refresh") List<String> forceRefresh, @HeaderParam("Accept") String accept) {
        TokenSlot slot;
        Duration wanted;
        boolean force;
        try {
            requireMetadata(metadata);
            CallerSpec caller = gate.caller(callerSecret);
            slot = gate.slot(caller, resource);
            wanted = minTtl(single("min_ttl", minTtl));
            force = flag("force_refresh", single("force_refresh", forceRefresh));
        } catch (ApiError e) {
            metrics.error(resource, Endpoint.NATIVE);
            throw e;
        }
        boolean plain = wantsPlainText(accept);
        Take take = slot.take(wanted, force);
        if (take.kind() == Take.Kind.CACHED) {
            metrics.hit(resource, Endpoint.NATIVE);
            return Uni.createFrom().item(render(take.cached(), slot, plain));
        }
        return take.pending().map(t -> {
            metrics.waited(resource, Endpoint.NATIVE);
            return render(t, slot, plain);
        }).onFailure().invoke(() -> metrics.error(resource, Endpoint.NATIVE));
    }

    private Response render(AccessToken token, TokenSlot slot, boolean plain) {
        if (plain) {
            return Response.ok(token.value(), MediaType.TEXT_PLAIN_TYPE).build();
        }
        return Response.ok(renderer.nativeJson(token, slot.resource(), clock.instant()), MediaType.APPLICATION_JSON_TYPE).build();
    }

    static void requireMetadata(String metadata) {
        if (!"true".equalsIgnoreCase(metadata)) {
            throw ApiError.badRequest("the 'Metadata: true' header is required");
        }
    }

    /** The one value of a query parameter, or {@code null}; a repeated parameter is ambiguous, hence refused. */
    public static String single(String name, List<String> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw ApiError.badRequest("the " + name + " parameter is repeated");
        }
        return values.get(0);
    }

    static Duration minTtl(String value) {
        if (value == null) {
            return Duration.ZERO;
        }
        // ASCII digits only: Long.parseLong also reads the digits of other scripts (U+0661 ARABIC-INDIC ONE is 1).
        if (value.matches("[0-9]{1,6}")) {
            long seconds = Long.parseLong(value);
            if (seconds <= MAX_MIN_TTL_SECONDS) {
                return Duration.ofSeconds(seconds);
            }
        }
        throw ApiError.badRequest("min_ttl must be a whole number of seconds from 0 to " + MAX_MIN_TTL_SECONDS);
    }

    static boolean flag(String name, String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true") || value.isEmpty()) {
            return true;
        }
        throw ApiError.badRequest(name + " must be true or false");
    }

    /** Plain text only when the caller prefers it to JSON; q-values are not weighed. */
    static boolean wantsPlainText(String accept) {
        if (accept == null) {
            return false;
        }
        int plain = accept.indexOf("text/plain");
        int json = accept.indexOf("application/json");
        return plain >= 0 && (json < 0 || plain < json);
    }
}
