package tokenbroker.api.azure;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
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
 * The Azure App Service managed-identity endpoint (SPEC §3.2), so that unmodified Azure SDKs get their tokens
 * here with {@code IDENTITY_ENDPOINT=http://127.0.0.1:7777/msi/token} and {@code IDENTITY_HEADER=<caller secret>}.
 */
@Path("/msi/token")
public class ManagedIdentityResource {

    static final String API_VERSION = "2019-08-01";

    private final ResourceGate gate;
    private final AzureResourceIndex index;
    private final InstantSource clock;
    private final BrokerMetrics metrics;
    private final TokenRenderer renderer;

    ManagedIdentityResource(ResourceGate gate, AzureResourceIndex index, InstantSource clock, BrokerMetrics metrics,
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
            @QueryParam("principal_id") List<String> principalIdValues, @QueryParam("object_id") List<String> objectIdValues,
            @HeaderParam("X-IDENTITY-HEADER") String identityHeader) {
        try {
            String apiVersion = TokenResource.single("api-version", apiVersionValues);
            String resource = TokenResource.single("resource", resourceValues);
            String clientId = TokenResource.single("client_id", clientIdValues);
            String resourceId = TokenResource.single("mi_res_id", resourceIdValues);
            String principalId = TokenResource.single("principal_id", principalIdValues);
            String objectId = TokenResource.single("object_id", objectIdValues);
            if (identityHeader == null || identityHeader.isEmpty()) {
                throw ApiError.badRequest("the X-IDENTITY-HEADER header is required");
            }
            CallerSpec caller = gate.caller(identityHeader);
            if (!API_VERSION.equals(apiVersion)) {
                throw ApiError.badRequest("api-version must be " + API_VERSION);
            }
            if (resourceId != null || principalId != null || objectId != null) {
                throw ApiError.badRequest("mi_res_id, principal_id and object_id are not supported: choose with client_id");
            }
            TokenSlot found = index.find(resource, clientId);
            TokenSlot slot = gate.slot(caller, found.resource().name());
            String name = slot.resource().name();
            AccessToken cached = slot.servable();
            if (cached != null) {
                metrics.hit(name, Endpoint.MSI);
                return Uni.createFrom().item(render(cached, slot, resource));
            }
            Uni<AccessToken> token = slot.token(java.time.Duration.ZERO);
            return token.map(t -> {
                metrics.waited(name, Endpoint.MSI);
                return render(t, slot, resource);
            }).onFailure().recoverWithItem(f -> {
                metrics.error(name, Endpoint.MSI);
                return AzureErrors.toResponse(f);
            });
        } catch (ApiError e) {
            metrics.error(null, Endpoint.MSI);
            return Uni.createFrom().item(AzureErrors.toResponse(e));
        }
    }

    private Response render(AccessToken token, TokenSlot slot, String resource) {
        byte[] body = renderer.managedIdentityJson(token, slot.resource(), resource, clock.instant());
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }
}
