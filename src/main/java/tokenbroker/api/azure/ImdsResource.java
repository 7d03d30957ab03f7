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
import tokenbroker.api.ApiError;
import tokenbroker.api.ResourceGate;
import tokenbroker.api.dto.ImdsTokenBody;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.CallerSpec;
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

    ImdsResource(ResourceGate gate, AzureResourceIndex index, InstantSource clock) {
        this.gate = gate;
        this.index = index;
        this.clock = clock;
    }

    @GET
    public Uni<Response> token(@QueryParam("api-version") String apiVersion, @QueryParam("resource") String resource,
            @QueryParam("client_id") String clientId, @QueryParam("mi_res_id") String resourceId,
            @QueryParam("object_id") String objectId, @HeaderParam("Metadata") String metadata,
            @HeaderParam("X-IDENTITY-HEADER") String callerSecret) {
        try {
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
            AccessToken cached = slot.servable();
            Uni<AccessToken> token = cached != null ? Uni.createFrom().item(cached) : slot.token(Duration.ZERO);
            return token.map(t -> render(t, slot, resource)).onFailure().recoverWithItem(AzureErrors::toResponse);
        } catch (ApiError e) {
            return Uni.createFrom().item(AzureErrors.toResponse(e));
        }
    }

    private Response render(AccessToken token, TokenSlot slot, String resource) {
        var body = ImdsTokenBody.of(token, resource, slot.resource().identity().clientId(), clock.instant());
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }
}
