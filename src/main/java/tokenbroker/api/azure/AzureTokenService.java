package tokenbroker.api.azure;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import tokenbroker.api.ApiError;
import tokenbroker.api.ResourceGate;
import tokenbroker.api.TokenRenderer;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.CallerSpec;
import tokenbroker.config.ResourceSpec;
import tokenbroker.metrics.BrokerMetrics;
import tokenbroker.metrics.BrokerMetrics.Endpoint;
import tokenbroker.token.AccessToken;

/**
 * What the two Azure-compatible endpoints share once each has checked its own headers and parameters: find the
 * resource the SDK means, check the caller's right to it, answer from the cache or wait for the IdP, count it,
 * and turn failures into the answers the SDKs expect ({@link AzureErrors}).
 */
@ApplicationScoped
public class AzureTokenService {

    /** How an endpoint renders a token for the {@code resource} the SDK asked for. */
    @FunctionalInterface
    interface Shape {
        byte[] render(TokenRenderer renderer, AccessToken token, ResourceSpec resource, String requested, Instant now);
    }

    private final ResourceGate gate;
    private final AzureResourceIndex index;
    private final InstantSource clock;
    private final BrokerMetrics metrics;
    private final TokenRenderer renderer;

    AzureTokenService(ResourceGate gate, AzureResourceIndex index, InstantSource clock, BrokerMetrics metrics,
            TokenRenderer renderer) {
        this.gate = gate;
        this.index = index;
        this.clock = clock;
        this.metrics = metrics;
        this.renderer = renderer;
    }

    /** The caller presenting {@code secret}; see {@link ResourceGate#caller}. */
    CallerSpec caller(String secret) {
        return gate.caller(secret);
    }

    Uni<Response> serve(Endpoint endpoint, CallerSpec caller, String resource, String clientId, Shape shape) {
        TokenSlot found = index.find(resource, clientId);
        TokenSlot slot = gate.slot(caller, found.resource().name());
        String name = slot.resource().name();
        AccessToken cached = slot.servable();
        if (cached != null) {
            metrics.hit(name, endpoint);
            return Uni.createFrom().item(render(shape, cached, slot, resource));
        }
        return slot.token(Duration.ZERO).map(token -> {
            metrics.waited(name, endpoint);
            return render(shape, token, slot, resource);
        }).onFailure().recoverWithItem(failure -> {
            metrics.error(name, endpoint);
            return AzureErrors.toResponse(failure);
        });
    }

    Uni<Response> refused(Endpoint endpoint, ApiError error) {
        metrics.error(null, endpoint);
        return Uni.createFrom().item(AzureErrors.toResponse(error));
    }

    private Response render(Shape shape, AccessToken token, TokenSlot slot, String requested) {
        byte[] body = shape.render(renderer, token, slot.resource(), requested, clock.instant());
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }
}
