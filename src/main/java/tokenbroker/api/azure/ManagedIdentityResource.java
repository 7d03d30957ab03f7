package tokenbroker.api.azure;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import tokenbroker.api.ApiError;
import tokenbroker.api.TokenRenderer;
import tokenbroker.api.TokenResource;
import tokenbroker.config.CallerSpec;
import tokenbroker.metrics.BrokerMetrics.Endpoint;

/**
 * The Azure App Service managed-identity endpoint (SPEC §3.2), so that unmodified Azure SDKs get their tokens
 * here with {@code IDENTITY_ENDPOINT=http://127.0.0.1:7777/msi/token} and {@code IDENTITY_HEADER=<caller secret>}.
 */
@Path("/msi/token")
public class ManagedIdentityResource {

    static final String API_VERSION = "2019-08-01";

    private final AzureTokenService tokens;

    ManagedIdentityResource(AzureTokenService tokens) {
        this.tokens = tokens;
    }

    @GET
    public Uni<Response> token(@QueryParam("api-version") List<String> apiVersion, @QueryParam("resource") List<String> resource,
            @QueryParam("client_id") List<String> clientId, @QueryParam("mi_res_id") List<String> resourceId,
            @QueryParam("principal_id") List<String> principalId, @QueryParam("object_id") List<String> objectId,
            @HeaderParam("X-IDENTITY-HEADER") String identityHeader) {
        try {
            if (identityHeader == null || identityHeader.isEmpty()) {
                throw ApiError.badRequest("the X-IDENTITY-HEADER header is required");
            }
            CallerSpec caller = tokens.caller(identityHeader);
            if (!API_VERSION.equals(TokenResource.single("api-version", apiVersion))) {
                throw ApiError.badRequest("api-version must be " + API_VERSION);
            }
            if (TokenResource.single("mi_res_id", resourceId) != null || TokenResource.single("principal_id", principalId) != null
                    || TokenResource.single("object_id", objectId) != null) {
                throw ApiError.badRequest("mi_res_id, principal_id and object_id are not supported: choose with client_id");
            }
            return tokens.serve(Endpoint.MSI, caller, TokenResource.single("resource", resource),
                    TokenResource.single("client_id", clientId), TokenRenderer::managedIdentityJson);
        } catch (ApiError e) {
            return tokens.refused(Endpoint.MSI, e);
        }
    }
}
