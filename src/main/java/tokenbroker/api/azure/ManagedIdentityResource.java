package tokenbroker.api.azure;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.InstantSource;
import tokenbroker.api.ApiError;
import tokenbroker.api.ResourceGate;
import tokenbroker.api.dto.ManagedIdentityTokenBody;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.CallerSpec;
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

    ManagedIdentityResource(ResourceGate gate, AzureResourceIndex index, InstantSource clock) {
        this.gate = gate;
        this.index = index;
        this.clock = clock;
    }

    @GET
    public Uni<Response> token(@QueryParam("api-version") String apiVersion, @QueryParam("resource") String resource,
            @QueryParam("client_id") String clientId, @QueryParam("mi_res_id") String resourceId,
            @QueryParam("principal_id") String principalId, @QueryParam("object_id") String objectId,
            @HeaderParam("X-IDENTITY-HEADER") String identityHeader) {
        try {
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
            AccessToken cached = slot.servable();
            Uni<AccessToken> token = cached != null ? Uni.createFrom().item(cached) : slot.token(java.time.Duration.ZERO);
            return token.map(t -> render(t, slot, resource)).onFailure().recoverWithItem(AzureErrors::toResponse);
        } catch (ApiError e) {
            return Uni.createFrom().item(AzureErrors.toResponse(e));
        }
    }

    private Response render(AccessToken token, TokenSlot slot, String resource) {
        var body = ManagedIdentityTokenBody.of(token, resource, slot.resource().identity().clientId(), clock.instant());
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }
}
