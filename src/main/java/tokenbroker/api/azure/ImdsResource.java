package tokenbroker.api.azure;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import tokenbroker.api.ApiError;
import tokenbroker.api.TokenResource;
import tokenbroker.api.ResourceGate;
import tokenbroker.api.TokenRenderer;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.CallerSpec;
import tokenbroker.metrics.BrokerMetrics;
import tokenbroker.metrics.BrokerMetrics.Endpoint;
import tokenbroker.token.AccessToken;

/**
 * The Azure Instance Metadata Service token endpoint (SPEC §3.3), for SDKs pointed here with
 * {@code AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:7777}. {@code //metadata/...} is folded into
 * {@code /metadata/...} by {@link tokenbroker.api.HttpGuards} before routing.
 */
@Path("/metadata/identity/oauth2/token")
public class ImdsResource {

    private final ResourceGate gate;
    private final AzureResourceIndex index;
    private final InstantSource clock;
    private final BrokerMetrics metrics;
    private final TokenRenderer renderer;

    ImdsResource(ResourceGate gate, AzureResourceIndex index, InstantSource clock, BrokerMetrics metrics,
            TokenRenderer renderer) {
        this.renderer = renderer;
        this.gate = gate;
        this.index = index;
        this.clock = clock;
        this.metrics = metrics;
    }

    @GET
    public Uni<Response> token(@QueryParam("api-version") List<String> apiVersionValues, @QueryParam("resource") List<String> resourceValues,
            @QueryParam("client_id") List<String> clientIdValues, @QueryParam("mi_res_id") List<String> resourceIdValues,
            @QueryParam("object_id") List<String> objectIdValues, @HeaderParam("Metadata") String metadata,
            @HeaderParam("X-IDENTITY-HEADER") String callerSecret) {
        try {
            String apiVersion = TokenResource.single("api-version", apiVersionValues);
            String resource = TokenResource.single("resource", resourceValues);
            String clientId = TokenResource.single("client_id", clientIdValues);
            String resourceId = TokenResource.single("mi_res_id", resourceIdValues);
            String objectId = TokenResource.single("object_id", objectIdValues);
            if (!"true".equalsIgnoreCase(metadata)) {
                throw new ApiError(400, "bad_request_102", "Required metadata header not specified");
            }
            CallerSpec caller = gate.caller(callerSecret);
            if (apiVersion == null || apiVersion.isBlank()) {
                throw ApiError.badRequest("the api-version parameter is required, e.g. 2018-02-01");
            }
            if (resourceId != null || objectId != null) {
                throw ApiError.badRequest("mi_res_id and object_id are not supported: choose with client_id");
            }
            TokenSlot found = index.find(resource, clientId);
            TokenSlot slot = gate.slot(caller, found.resource().name());
            String name = slot.resource().name();
            AccessToken cached = slot.servable();
            if (cached != null) {
                metrics.hit(name, Endpoint.IMDS);
                return Uni.createFrom().item(render(cached, slot, resource));
            }
            Uni<AccessToken> token = slot.token(Duration.ZERO);
            return token.map(t -> {
                metrics.waited(name, Endpoint.IMDS);
                return render(t, slot, resource);
            }).onFailure().recoverWithItem(f -> {
                metrics.error(name, Endpoint.IMDS);
                return AzureErrors.toResponse(f);
            });
        } catch (ApiError e) {
            metrics.error(null, Endpoint.IMDS);
            return Uni.createFrom().item(AzureErrors.toResponse(e));
        }
    }

    private Response render(AccessToken token, TokenSlot slot, String resource) {
        byte[] body = renderer.imdsJson(token, slot.resource(), resource, clock.instant());
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }
}
